// "Who has looked at this client's record": everyone who has read any part of it, with how
// often and when last, for the clinic's admin and the client's supervisor.
import { recordsApi, roleName, type RecordReader } from './records_api';
import { formatDateTime } from './format';
import { Alert, Loading, useLoad } from './ui';

export function RecordReaders({ clientId, clientName, headingLevel = 2 }: { clientId: number; clientName?: string; headingLevel?: 2 | 3 }) {
  const readers = useLoad(() => recordsApi.readers(clientId), [clientId]);
  const Heading = headingLevel === 2 ? 'h2' : 'h3';
  const list: RecordReader[] = readers.data?.readers ?? [];
  return (
    <section class="card" aria-labelledby={`readers-${clientId}`}>
      <Heading id={`readers-${clientId}`}>Who has looked at {clientName ? `${clientName}’s` : 'this'} record</Heading>
      {readers.loading && <Loading what="who has looked" />}
      {readers.error && <Alert>{readers.error.message}</Alert>}
      {readers.data && list.length === 0 && <p class="muted">Nobody has looked at this record yet.</p>}
      {list.length > 0 && (
        <div class="table-wrap" tabIndex={0} role="region" aria-label="Who has looked at the record (table)">
          <table>
            <thead>
              <tr>
                <th scope="col">Person</th>
                <th scope="col">Role</th>
                <th scope="col">Times</th>
                <th scope="col">Last looked</th>
              </tr>
            </thead>
            <tbody>
              {list.map((r) => (
                <tr key={r.user_id}>
                  <th scope="row">{r.name}</th>
                  <td>{roleName(r.role)}</td>
                  <td>{r.reads}</td>
                  <td>{formatDateTime(r.last_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
