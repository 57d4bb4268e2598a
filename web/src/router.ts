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

export function navigate(to: string, replace = false): void {
  if (to === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  listeners.forEach((l) => l());
}

export function usePath(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    const moved = () => {
      headingFocusWanted = true;
      update();
    };
    listeners.add(update);
    addEventListener('popstate', moved);
    return () => {
      listeners.delete(update);
      removeEventListener('popstate', moved);
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
    const url = new URL(anchor.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
    if (url.hash && url.pathname === location.pathname) return;
    event.preventDefault();
    headingFocusWanted = true;
    navigate(url.pathname + url.search);
  });
}
