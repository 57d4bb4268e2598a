// The requests the plan page's buttons and forms make, and how their errors read.
import { useState } from 'preact/hooks';
import { ApiError, asSentence } from '../api';

// One button's or form's request: busy while it runs, its error afterwards.
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  async function run(action: () => Promise<void>): Promise<boolean> {
    if (busy) return false;
    setBusy(true);
    setError(undefined);
    try {
      await action();
      return true;
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, String(e)));
      return false;
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, setError, run };
}

export function errorText(error: ApiError | undefined, field?: string): string | undefined {
  if (!error) return undefined;
  if (field) {
    const m = error.fieldMessage(field);
    if (m) return m;
  }
  return error.fields.length ? error.fields.map((f) => asSentence(f.message, f.field)).join(' ') : error.message;
}
