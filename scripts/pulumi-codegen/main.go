// Command pulumi-codegen is a code-generation-only Pulumi language host: `pulumi package gen-sdk`
// asks a language host to generate an SDK (GeneratePackage), and the Node.js host this project can
// build (sdk v3.68.0, docs/adr/0002) predates that call. This host answers it with the code
// generators of the pulumi/pkg module the CLI is built from, the same ones current language hosts
// call, and refuses everything else: it never runs a program.
//
// scripts/pulumi-cli.sh links it as `pulumi-language-nodejs` and `pulumi-language-python` in a
// folder of their own, which goes first on PATH for `gen-sdk` only (docs/adr/0012).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

type codegenHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	language string
}

func (host *codegenHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: "0.0.0-codegen"}, nil
}

func (host *codegenHost) GeneratePackage(
	ctx context.Context, req *pulumirpc.GeneratePackageRequest,
) (*pulumirpc.GeneratePackageResponse, error) {
	loader, err := schema.NewLoaderClient(req.LoaderTarget)
	if err != nil {
		return nil, err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal([]byte(req.Schema), &spec); err != nil {
		return nil, err
	}
	pkg, diags, err := schema.BindSpec(spec, loader, schema.ValidationOptions{AllowDanglingReferences: true})
	if err != nil {
		return nil, err
	}
	if diags.HasErrors() {
		return &pulumirpc.GeneratePackageResponse{Diagnostics: plugin.HclDiagnosticsToRPCDiagnostics(diags)}, nil
	}

	var files map[string][]byte
	switch host.language {
	case "nodejs":
		files, err = nodejs.GeneratePackage("pulumi-codegen", pkg, req.ExtraFiles, req.LocalDependencies, req.Local, loader)
	case "python":
		files, err = python.GeneratePackage("pulumi-codegen", pkg, req.ExtraFiles, loader)
	default:
		err = fmt.Errorf("no code generator for %q", host.language)
	}
	if err != nil {
		return nil, err
	}
	for name, data := range files {
		path := filepath.Join(req.Directory, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return nil, err
		}
	}
	return &pulumirpc.GeneratePackageResponse{Diagnostics: plugin.HclDiagnosticsToRPCDiagnostics(diags)}, nil
}

func main() {
	// Linked as pulumi-language-<language>: the name says which generator to use.
	language := strings.TrimPrefix(filepath.Base(os.Args[0]), "pulumi-language-")
	host := &codegenHost{language: language}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-codegen: %v\n", err)
		os.Exit(1)
	}
	// The engine reads the port from the first line of standard output.
	fmt.Println(handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-codegen: %v\n", err)
		os.Exit(1)
	}
}
