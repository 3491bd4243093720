import { sql, type Kysely, type Selectable } from 'kysely';
import { nullableNumber } from './rows.js';
import type { Database, MailOutboxTable } from './schema.js';
import type { AuditEntry, MailRecord, NewMail, Store } from './types.js';

type InsertAudit = (executor: Kysely<Database>, entry: AuditEntry | undefined) => Promise<void>;

/** How long sent (and dropped) mail stays listed, for an operator asking what went out. */
const SENT_MAIL_RETENTION_MS = 7 * 86_400_000;

/** The longest error text kept (the column's width). */
const MAX_ERROR_LENGTH = 512;

const toMailRecord = (row: Selectable<MailOutboxTable>): MailRecord => ({
  id: Number(row.id),
  kind: row.kind,
  recipient: row.recipient,
  payload: parsePayload(row.payload),
  createdAt: Number(row.created_at),
  status: row.status,
  attempts: Number(row.attempts),
  nextAttemptAt: Number(row.next_attempt_at),
  lastError: row.last_error,
  sentAt: nullableNumber(row.sent_at),
});

/** Inserts `mail` as pending, due at once, with `executor`: pass the transaction of the change that causes it. */
export async function insertMail(executor: Kysely<Database>, mail: NewMail): Promise<void> {
  await executor
    .insertInto('mail_outbox')
    .values({
      kind: mail.kind,
      recipient: mail.recipient,
      payload: JSON.stringify(mail.payload),
      created_at: mail.createdAt,
      status: 'pending',
      attempts: 0,
      next_attempt_at: mail.createdAt,
      last_error: null,
      sent_at: null,
    })
    .execute();
}

/** The mail outbox: the part of the {@link Store} the mail worker and `tessera outbox` use. */
export function mailOutboxStore(
  db: Kysely<Database>,
  insertAudit: InsertAudit,
): Pick<Store, 'enqueueMail' | 'claimDueMail' | 'finishMail' | 'retryMail' | 'listMail' | 'requeueFailedMail'> {
  return {
    enqueueMail: (mail, audit) =>
      db.transaction().execute(async (trx) => {
        await insertMail(trx, mail);
        await insertAudit(trx, audit);
      }),

    async claimDueMail(now, leaseMs, limit) {
      const due = await db
        .selectFrom('mail_outbox')
        .selectAll()
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .orderBy('next_attempt_at')
        .orderBy('id')
        .limit(limit)
        .execute();
      const claimed: MailRecord[] = [];
      for (const row of due) {
        // Compare-and-set on the due time: another instance that claimed it first moved it.
        const taken = await db
          .updateTable('mail_outbox')
          .set({ next_attempt_at: now + leaseMs, attempts: sql`attempts + 1` })
          .where('id', '=', row.id)
          .where('status', '=', 'pending')
          .where('next_attempt_at', '=', row.next_attempt_at)
          .executeTakeFirst();
        if (Number(taken.numUpdatedRows) === 1) {
          claimed.push(toMailRecord({ ...row, attempts: Number(row.attempts) + 1, next_attempt_at: now + leaseMs }));
        }
      }
      return claimed;
    },

    async finishMail(id, status, now) {
      await db
        .updateTable('mail_outbox')
        .set({ status, sent_at: status === 'sent' ? now : null, last_error: null })
        .where('id', '=', id)
        .execute();
    },

    async retryMail(id, error, nextAttemptAt, giveUp) {
      await db
        .updateTable('mail_outbox')
        .set({
          status: giveUp ? 'failed' : 'pending',
          next_attempt_at: nextAttemptAt,
          last_error: error.slice(0, MAX_ERROR_LENGTH),
        })
        .where('id', '=', id)
        .execute();
    },

    async listMail(statuses, limit) {
      if (statuses.length === 0) return [];
      const rows = await db
        .selectFrom('mail_outbox')
        .selectAll()
        .where('status', 'in', statuses)
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map(toMailRecord);
    },

    async requeueFailedMail(now) {
      const result = await db
        .updateTable('mail_outbox')
        .set({ status: 'pending', next_attempt_at: now, attempts: 0 })
        .where('status', '=', 'failed')
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
  };
}

/**
 * Deletes mail sent or dropped over a week ago, and reset and verification
 * tokens past expiry (no longer of use to anyone). Pending and failed mail is
 * kept: `tessera outbox` lists it.
 */
export async function pruneMail(db: Kysely<Database>, now: number): Promise<void> {
  await db
    .deleteFrom('mail_outbox')
    .where('status', 'in', ['sent', 'dropped'])
    .where('created_at', '<', now - SENT_MAIL_RETENTION_MS)
    .execute();
  await db.deleteFrom('password_resets').where('expires_at', '<=', now).execute();
  await db.deleteFrom('email_verifications').where('expires_at', '<=', now).execute();
}

function parsePayload(raw: string): Record<string, string | number> {
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
    return Object.fromEntries(
      Object.entries(value).filter((entry): entry is [string, string | number] =>
        ['string', 'number'].includes(typeof entry[1]),
      ),
    );
  } catch {
    return {};
  }
}
