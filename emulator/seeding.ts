/**
 * The seeding half of the test API: OAuth apps, accounts, tokens as if a user had consented, and
 * contacts, lists and custom fields written straight into an account (no request, no rate
 * limit, no activity).
 */
import { defaultScopes } from "./auth.ts";
import type { EmulatorContext } from "./context.ts";
import { requireAccount, requireApp, settleActivities } from "./context.ts";
import { validateEmail } from "./email.ts";
import { newAccountId, newToken, newUuid } from "./ids.ts";
import { Account } from "./state/account.ts";
import { permissions } from "./state/contact-store.ts";
import type { Emulator } from "./types.ts";

/** The methods of {@link Emulator} that create or seed state. */
export type EmulatorSeeding = Pick<
  Emulator,
  "createApp" | "createAccount" | "issueTokens" | "seedContact" | "seedList" | "seedCustomField"
>;

/** The seeding methods of an emulator, writing into `ctx`. */
export function createSeeding(ctx: EmulatorContext): EmulatorSeeding {
  return {
    createApp(options = {}) {
      const clientId = options.clientId ?? newUuid();
      const clientSecret = options.clientSecret ?? newToken(24);
      ctx.auth.apps.set(clientId, {
        clientId,
        clientSecret,
        redirectUris: options.redirectUris ?? ["http://localhost/callback"],
        refreshTokenMode: options.refreshTokenMode ?? "rotating",
        deactivated: false,
        droppedScopes: new Set(),
      });
      return { clientId, clientSecret };
    },
    createAccount(options = {}) {
      const accountId = options.accountId ?? newAccountId();
      if (ctx.accounts.has(accountId)) throw new Error(`Account ${accountId} already exists.`);
      const account = new Account(
        accountId,
        options.organizationName ?? "Emulated account",
        options.contactEmail ?? "owner@example.com",
      );
      ctx.accounts.set(account.id, account);
      return { accountId: account.id };
    },
    issueTokens(clientId, accountId, options = {}) {
      requireApp(ctx, clientId);
      requireAccount(ctx, accountId);
      const scopes = options.scopes ?? defaultScopes;
      const nowMs = ctx.clock.nowMs();
      const response = ctx.auth.issue(clientId, accountId, scopes, nowMs);
      let accessToken = response.access_token;
      let refreshToken = response.refresh_token ?? "";
      if (options.accessToken !== undefined) {
        ctx.auth.revokeAccessTokens({ token: accessToken });
        accessToken = options.accessToken;
        ctx.auth.seedToken("access", accessToken, clientId, accountId, scopes, nowMs);
      }
      if (options.refreshToken !== undefined && refreshToken !== "") {
        ctx.auth.revokeRefreshTokens({ token: refreshToken });
        refreshToken = options.refreshToken;
        ctx.auth.seedToken("refresh", refreshToken, clientId, accountId, scopes, nowMs);
      }
      return { accessToken, refreshToken, expiresIn: response.expires_in };
    },
    seedContact(accountId, contact) {
      settleActivities(ctx);
      const account = requireAccount(ctx, accountId);
      const email = validateEmail(contact.email, "contact");
      if (email === undefined)
        throw new Error("seedContact: the email is not valid under CONTRACT §2.4");
      const nowMs = ctx.clock.nowMs();
      const contacts = account.contacts;
      const permission = permissions.indexOf(contact.permission ?? "implicit");
      let index = contacts.findByEmail(email);
      if (index === undefined) index = contacts.create(email, nowMs, permission);
      contacts.permission[index] = permission;
      if (contact.firstName !== undefined) contacts.firstName[index] = contact.firstName;
      if (contact.lastName !== undefined) contacts.lastName[index] = contact.lastName;
      if (contact.permission === "explicit") contacts.extrasFor(index).optInSource = "Contact";
      if (contact.permission === "unsubscribed" || contact.optOutSource !== undefined) {
        const extras = contacts.extrasFor(index);
        extras.optOutSource = contact.optOutSource ?? "Contact";
        extras.optOutDate = nowMs;
      }
      for (const listId of contact.listIds ?? []) {
        const list = account.lists.get(listId.toLowerCase());
        if (list === undefined) throw new Error(`seedContact: unknown list ${listId}`);
        account.addMember(list, index);
      }
      if (contact.deleted === true) account.deleteContact(index, nowMs);
      return { contactId: contacts.idOf(index) };
    },
    seedList(accountId, options) {
      const account = requireAccount(ctx, accountId);
      const list = account.createList(options.name, options.description, false, ctx.clock.nowMs());
      return { listId: list.id };
    },
    seedCustomField(accountId, options) {
      const account = requireAccount(ctx, accountId);
      const field = account.createCustomField(
        options.label,
        options.type ?? "string",
        ctx.clock.nowMs(),
      );
      return { customFieldId: field.id, name: field.name };
    },
  };
}
