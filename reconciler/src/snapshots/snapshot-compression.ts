/**
 * The gzip streams of both snapshot stores. zlib hands its output over 16 KiB at a time by
 * default, and each piece is a callback on the main thread: with larger pieces, writing the
 * 1,000,000 contact ids of a first export took 1.06–1.17 s instead of 1.36–1.48 s, and reading
 * 1,000,000 entries back 323–365 ms instead of 525–574 ms. Reading keeps 64 KiB: each piece of
 * text becomes one batch of entries, and larger batches were slower (ADR 0010).
 */
import { createGunzip, createGzip } from "node:zlib";
import type { Gunzip, Gzip } from "node:zlib";

/** A gzip stream at `level` for a snapshot being written. */
export function snapshotGzip(level: number): Gzip {
  return createGzip({ level, chunkSize: 256 * 1024 });
}

/** A gunzip stream for a snapshot being read. */
export function snapshotGunzip(): Gunzip {
  return createGunzip({ chunkSize: 64 * 1024 });
}
