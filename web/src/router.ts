// A small client-side router over the History API. The server answers every non-API path with
// index.html, so any URL here can be loaded directly or bookmarked.
import { useEffect, useState } from 'preact/hooks';

const listeners = new Set<() => void>();

// Whether the page the person moved to (by a link, Back or Forward) should take focus to its
// main heading, so that a screen reader starts there and the keyboard does not start over at the
// top. A redirect or the first load leaves focus where the browser put it.
let headingFocusWanted = false;

export function takeHeadingFocus(): boolean {
  const wanted = headingFocusWanted;
  headingFocusWanted = false;
  return wanted;
}

// Asked before the person leaves the page for another in the app, by a link, Back or Forward:
// false keeps them where they are. A page with work not yet saved sets one while it is shown.
let leaveGuard: (() => boolean) | null = null;

export function setLeaveGuard(guard: (() => boolean) | null): void {
  leaveGuard = guard;
}

// While `dirty`, asks `question` before the person leaves the page, in the app (a link, Back,
// Forward) or out of it (closing the tab, reloading): written words are not lost without a word.
export function useLeaveGuard(dirty: boolean, question: string): void {
  useEffect(() => {
    if (!dirty) return;
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      event.returnValue = '';
    };
    addEventListener('beforeunload', onBeforeUnload);
    setLeaveGuard(() => window.confirm(question));
    return () => {
      removeEventListener('beforeunload', onBeforeUnload);
      setLeaveGuard(null);
    };
  }, [dirty, question]);
}

// Whether the person may leave the page they are on; the page's guard may ask them first.
export function confirmLeave(): boolean {
  return !leaveGuard || leaveGuard();
}

// Each entry of the browser's history that the app made carries its place in that history
// ("at"), so that the app can put the person back where they were when they choose to stay on a
// page after Back or Forward; and whatever a page keeps with it (see keepWithEntry).
type EntryState = Record<string, unknown> & { at?: number };

function entryState(): EntryState {
  const state: unknown = history.state;
  return state && typeof state === 'object' ? (state as EntryState) : {};
}

const here = () => location.pathname + location.search;

let position = 0;
// The page being shown: a popstate that keeps it (a jump to a #fragment) leaves it alone.
let shown = '';
// Set while the app moves back to the entry the person chose to stay on.
let returning = false;

if (typeof window !== 'undefined') {
  const at = entryState().at;
  if (typeof at === 'number') {
    position = at;
  } else {
    // A page loaded by the browser becomes the newest entry of the history.
    position = Math.max(0, history.length - 1);
    history.replaceState({ ...entryState(), at: position }, '');
  }
  shown = here();
  addEventListener('popstate', () => {
    const to = entryState().at;
    if (returning) {
      returning = false;
      if (typeof to === 'number') position = to;
      return;
    }
    if (here() !== shown && !confirmLeave()) {
      if (typeof to === 'number' && to !== position) {
        returning = true;
        history.go(position - to);
      } else {
        position += 1;
        history.pushState({ at: position }, '', shown);
      }
      return;
    }
    if (typeof to === 'number') position = to;
    if (here() === shown) return;
    shown = here();
    headingFocusWanted = true;
    listeners.forEach((l) => l());
  });
}

// What a page keeps with its own entry of the history, so that Back, Forward and a reload find
// it as it was left (a form already sent, say).
export function keptWithEntry<T>(key: string): T | undefined {
  return entryState()[key] as T | undefined;
}

export function keepWithEntry(key: string, value: unknown): void {
  history.replaceState({ ...entryState(), [key]: value }, '');
}

// Moves to `to`. A new entry is the person's own step away from the page, which its guard may
// question. A replacement is the app's own redirect (signing in or out, a page's canonical
// address) and is not asked about.
export function navigate(to: string, replace = false): void {
  go(to, replace);
}

// As navigate, for a step the person took with a button rather than a link (a request sent, and
// its page to follow): the new page's heading takes focus, as after a link.
export function navigateByButton(to: string): void {
  headingFocusWanted = true;
  if (!go(to, false)) headingFocusWanted = false;
}

// As navigate; false when the person chose to stay on the page.
function go(to: string, replace: boolean): boolean {
  if (to === here()) return true;
  if (!replace && !confirmLeave()) return false;
  if (replace) {
    history.replaceState({ at: position }, '', to);
  } else {
    position += 1;
    history.pushState({ at: position }, '', to);
  }
  shown = here();
  listeners.forEach((l) => l());
  return true;
}

export function usePath(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    listeners.add(update);
    return () => {
      listeners.delete(update);
    };
  }, []);
  return path;
}

// Handles clicks on same-origin links so that they route without a page load; modified clicks
// (new tab, new window) keep the browser's behaviour.
export function interceptLinks(root: HTMLElement): void {
  root.addEventListener('click', (event) => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = (event.target as Element | null)?.closest?.('a');
    if (!anchor || anchor.target || anchor.hasAttribute('download')) return;
    const to = appPathOfLink(anchor.href, location);
    if (to === null) return;
    event.preventDefault();
    headingFocusWanted = true;
    if (!go(to, false)) headingFocusWanted = false;
  });
}

// Where a link to `href` goes within the app (path and query), seen from the page at `from`; null
// when the browser follows it itself: another origin (or scheme, such as tel:), the API, or a
// #fragment on a page at this same path.
export function appPathOfLink(href: string, from: Pick<Location, 'href' | 'origin' | 'pathname'>): string | null {
  const url = new URL(href, from.href);
  if (url.origin !== from.origin || url.pathname.startsWith('/api/')) return null;
  if (url.hash && url.pathname === from.pathname) return null;
  return url.pathname + url.search;
}

// The page to open after signing in, from the sign-in page's ?next=: a path of this app, or "/"
// when `next` is absent or could lead elsewhere ("//host", and "/\host", which a browser reads as
// "//host"; a control character, too).
export function pathAfterSignIn(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || /[\\\u0000-\u001f]/.test(next)) return '/';
  return next;
}
