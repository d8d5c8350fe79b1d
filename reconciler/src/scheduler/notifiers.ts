/**
 * The channels of failure notices: a JSON POST to a webhook and, when SMTP is configured, an
 * e-mail to the admins. A channel that cannot deliver logs why and never fails the run twice.
 */
import nodemailer from "nodemailer";
import type { Logger } from "pino";
import { request } from "undici";
import {
  noticeSubjectOf,
  renderFailureEmail,
  type AdminNotice,
  type FailureNotifier,
} from "./failure-notice.ts";
import type { SchedulerConfig, SmtpConfig } from "./scheduler-config.ts";

/** Time allowed for one delivery, in ms. */
const DELIVERY_TIMEOUT_MS = 10_000;

export function createWebhookNotifier(url: string, logger: Logger): FailureNotifier {
  return {
    async notify(notice) {
      try {
        const response = await request(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(notice),
          headersTimeout: DELIVERY_TIMEOUT_MS,
          bodyTimeout: DELIVERY_TIMEOUT_MS,
        });
        await response.body.dump();
        if (response.statusCode >= 300) {
          logger.warn(
            { ...noticeSubjectOf(notice), status: response.statusCode },
            "failure webhook answered with an error status",
          );
        }
      } catch (error) {
        logger.warn(
          { err: error, ...noticeSubjectOf(notice) },
          "failure webhook could not be reached",
        );
      }
    },
  };
}

export function createEmailNotifier(smtp: SmtpConfig, logger: Logger): FailureNotifier {
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    ...(smtp.user === undefined ? {} : { auth: { user: smtp.user, pass: smtp.password ?? "" } }),
    connectionTimeout: DELIVERY_TIMEOUT_MS,
    greetingTimeout: DELIVERY_TIMEOUT_MS,
    socketTimeout: DELIVERY_TIMEOUT_MS,
  });
  return {
    async notify(notice) {
      const { subject, text } = renderFailureEmail(notice);
      try {
        await transport.sendMail({ from: smtp.from, to: smtp.to, subject, text });
      } catch (error) {
        // nodemailer errors carry the SMTP reply, never the password.
        logger.warn(
          {
            ...noticeSubjectOf(notice),
            reason: error instanceof Error ? error.message : String(error),
          },
          "failure e-mail could not be sent",
        );
      }
    },
  };
}

/** Every configured channel as one notifier. */
export function createFailureNotifier(
  notify: SchedulerConfig["notify"],
  logger: Logger,
): FailureNotifier {
  const channels: FailureNotifier[] = [];
  if (notify.webhookUrl !== undefined)
    channels.push(createWebhookNotifier(notify.webhookUrl, logger));
  if (notify.smtp !== undefined) channels.push(createEmailNotifier(notify.smtp, logger));
  return {
    async notify(notice: AdminNotice) {
      await Promise.all(channels.map((channel) => channel.notify(notice)));
    },
  };
}
