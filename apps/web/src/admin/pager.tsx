import { Link } from 'react-router';
import { queryOf } from './admin-api';

/** Previous and next, as links to the console's page for the API's links. */
export function Pager({ previous, next, base }: { previous: string | null; next: string | null; base: string }) {
  if (previous === null && next === null) return null;
  return (
    <nav aria-label="Pages" className="pager">
      {previous !== null && <Link to={`${base}${queryOf(previous)}`}>← Previous page</Link>}
      {next !== null && <Link to={`${base}${queryOf(next)}`}>Next page →</Link>}
    </nav>
  );
}
