import { Link } from 'react-router';
import { PageHeading } from '../page-heading';

/** Any path the app does not know. */
export function NotFoundPage() {
  return (
    <section className="card narrow">
      <PageHeading>Page not found</PageHeading>
      <p>
        There is nothing here. <Link to="/">Go to the homepage</Link>.
      </p>
    </section>
  );
}
