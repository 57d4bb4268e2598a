import { PageTitle } from '../ui';

export function NotFoundPage() {
  return (
    <div class="narrow">
      <PageTitle title="Not found">Page not found</PageTitle>
      <p>There is nothing here, or you do not have access to it.</p>
      <p>
        <a href="/">Go to your home page</a>
      </p>
    </div>
  );
}
