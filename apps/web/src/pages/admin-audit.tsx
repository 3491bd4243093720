import type { AuditPage } from '@tessera/protocol';
import { useAuth } from '@tessera/react';
import { useEffect, useMemo, useState, type FormEvent, type MouseEvent } from 'react';
import { useSearchParams } from 'react-router';
import { adminApi, adminMessageOf, auditLink } from '../admin/admin-api';
import { AuditTable } from '../admin/audit-table';
import { queryFromForm } from '../admin/filter-fields';
import { Pager } from '../admin/pager';
import { AdminNav } from '../admin/staff-only';
import { Field } from '../field';
import { PageHeading } from '../page-heading';

/** An ISO time as a `datetime-local` input shows it, in the reader's zone; '' for none or nonsense. */
function localInput(iso: string | null): string {
  const date = new Date(iso ?? '');
  if (Number.isNaN(date.getTime())) return '';
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

/** `/admin/audit`: the audit log, newest first, filtered by user, event and time, a page at a time; and as CSV. */
export function AdminAuditPage() {
  const { fetch } = useAuth();
  const api = useMemo(() => adminApi(fetch), [fetch]);
  const [params, setParams] = useSearchParams();
  const [page, setPage] = useState<AuditPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const link = auditLink(params);
  const csv = auditLink(params, { format: 'csv' });

  useEffect(() => {
    let live = true;
    setError(null);
    api.listAudit(link).then(
      (body) => live && setPage(body),
      (caught: unknown) => live && setError(adminMessageOf(caught)),
    );
    return () => {
      live = false;
    };
  }, [api, link]);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const query = queryFromForm(event.currentTarget);
    // The API takes ISO 8601; the inputs hold local times without a zone.
    for (const name of ['since', 'until']) {
      const value = query.get(name);
      if (value !== null) query.set(name, new Date(value).toISOString());
    }
    setParams(query);
  }

  // Through the app's fetch, so that the export works with bearer tokens as well as cookies.
  async function onExport(event: MouseEvent<HTMLAnchorElement>) {
    event.preventDefault();
    try {
      const response = await fetch(csv, { headers: { accept: 'text/csv' } });
      if (!response.ok) throw new Error(`The server answered ${response.status}.`);
      const url = URL.createObjectURL(await response.blob());
      const anchor = Object.assign(document.createElement('a'), { href: url, download: 'tessera-audit.csv' });
      anchor.click();
      URL.revokeObjectURL(url);
    } catch (caught) {
      setError(adminMessageOf(caught));
    }
  }

  const events = [...new Set(page?.results.map((entry) => entry.event) ?? [])].sort();
  return (
    <section className="card wide">
      <PageHeading>Audit log</PageHeading>
      <AdminNav />
      <form
        role="search"
        aria-label="Filter the audit log"
        className="filters"
        onSubmit={onSubmit}
        key={params.toString()}
      >
        <Field label="Username" name="user" defaultValue={params.get('user') ?? ''} maxLength={150} />
        <Field
          label="Event"
          name="event"
          list="audit-events"
          hint="login_success, user_deactivated, …"
          defaultValue={params.get('event') ?? ''}
        />
        <datalist id="audit-events">
          {events.map((event) => (
            <option key={event} value={event} />
          ))}
        </datalist>
        <Field label="From" name="since" type="datetime-local" defaultValue={localInput(params.get('since'))} />
        <Field label="Until" name="until" type="datetime-local" defaultValue={localInput(params.get('until'))} />
        <div className="actions">
          <button type="submit" className="button">
            Filter
          </button>
          <a
            className="button secondary"
            href={csv}
            download="tessera-audit.csv"
            onClick={(event) => void onExport(event)}
          >
            Export CSV
          </a>
        </div>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {page === null ? (
        !error && (
          <p className="muted" role="status">
            Loading the audit log…
          </p>
        )
      ) : (
        <>
          <p className="muted" role="status">
            {page.count === 1 ? '1 event.' : `${page.count.toLocaleString()} events.`}
          </p>
          {page.results.length > 0 && <AuditTable entries={page.results} label="Audit log" />}
          <Pager previous={page.previous} next={page.next} base="/admin/audit" />
        </>
      )}
    </section>
  );
}
