/**
 * The `scheduler` section of the reconciler configuration: how often triggers are checked, how
 * runs are leased and retried, the daily request budget, and who hears about permanent failures.
 * Every field documents its unit and default; `config.ts` embeds this schema.
 */
import { z } from "zod";

export const RetryPolicySchema = z
  .strictObject({
    /** Attempts of one run, the first included; 1 means never retry. @default 4 */
    maxAttempts: z.coerce.number().int().min(1).max(20).default(4),
    /** Wait before the second attempt, in seconds. @default 60 */
    initialDelaySeconds: z.coerce.number().min(0).max(86_400).default(60),
    /** Each further wait is the previous one times this. @default 4 */
    backoffFactor: z.coerce.number().min(1).max(10).default(4),
    /** Longest wait between attempts, in seconds. @default 3600 */
    maxDelaySeconds: z.coerce.number().min(0).max(86_400).default(3_600),
  })
  .prefault({});

export type RetryPolicy = z.output<typeof RetryPolicySchema>;

export const SmtpConfigSchema = z.strictObject({
  /** SMTP server host. */
  host: z.string().min(1),
  /** SMTP port. @default 587 */
  port: z.coerce.number().int().min(1).max(65_535).default(587),
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. @default false */
  secure: z.boolean().default(false),
  /** Login user; leave unset for an open relay. @default unset */
  user: z.string().min(1).optional(),
  /** Login password (a secret: never logged). @default unset */
  password: z.string().min(1).optional(),
  /** Sender address. */
  from: z.string().min(3),
  /** Admin addresses that receive failure notices. */
  to: z.array(z.string().min(3)).min(1),
});

export type SmtpConfig = z.output<typeof SmtpConfigSchema>;

export const SchedulerConfigSchema = z
  .strictObject({
    /**
     * Runs the triggers and executes runs in this process. With `false` the process only serves
     * the API (a replica beside others that run the scheduler): queued runs wait for one of
     * them. @default true
     */
    enabled: z.boolean().default(true),
    /** How often cron and stack-change triggers and queued runs are checked, in seconds. @default 1 */
    tickSeconds: z.coerce.number().min(0.2).max(300).default(1),
    /** How often each export's sources are asked for their version, in seconds. @default 300 */
    sourcePollSeconds: z.coerce.number().min(0.2).max(86_400).default(300),
    /** Runs one process executes at the same time (different exports). @default 2 */
    concurrency: z.coerce.number().int().min(1).max(64).default(2),
    /**
     * A running run's lease, in seconds: a process renews it while it works; when the process
     * dies, another one takes the run over this long after the last renewal (PostgreSQL only;
     * the embedded store has one process). At least 10. @default 30
     */
    leaseSeconds: z.coerce.number().int().min(10).max(3_600).default(30),
    /** How often a running run checks whether it was cancelled, in ms. @default 1000 */
    cancelPollMs: z.coerce.number().int().min(50).max(60_000).default(1_000),
    /** Retries of runs that failed for a transient reason (429 storms, 5xx, network). */
    retry: RetryPolicySchema,
    /** The daily Constant Contact request budget, shared by every export of one application. */
    budget: z
      .strictObject({
        /** Requests per UTC day of one Constant Contact application (CONTRACT §2.1). @default 10000 */
        dailyRequests: z.coerce.number().int().min(1).default(10_000),
        /**
         * Requests set aside for a run whose export never reported its request count; later runs
         * reserve what the previous successful run used. @default 150
         */
        defaultRunRequests: z.coerce.number().int().min(1).default(150),
      })
      .prefault({}),
    /** Who hears about runs that failed for good (after the last retry). */
    notify: z
      .strictObject({
        /** Receives a JSON POST for every permanently failed run. @default unset */
        webhookUrl: z.url().optional(),
        /** Sends the same notice by e-mail when set. @default unset */
        smtp: SmtpConfigSchema.optional(),
      })
      .prefault({}),
  })
  .prefault({});

export type SchedulerConfig = z.output<typeof SchedulerConfigSchema>;
