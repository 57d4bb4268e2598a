// The router's pure parts. Outside a browser (no `window`) the module keeps its hands off the
// History API when it loads, so it can be imported here.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { appPathOfLink, confirmLeave, pathAfterSignIn, setLeaveGuard, takeHeadingFocus } from './router';

const page = { href: 'https://clinic.example/episodes/3?tab=plan', origin: 'https://clinic.example', pathname: '/episodes/3' };

describe('appPathOfLink', () => {
  it('routes a link to another page of the app by its path and query', () => {
    expect(appPathOfLink('https://clinic.example/clients/5', page)).toBe('/clients/5');
    expect(appPathOfLink('https://clinic.example/episodes/3/plan/compare?from=1&to=2', page)).toBe('/episodes/3/plan/compare?from=1&to=2');
  });

  it('resolves a relative link against the page it is on', () => {
    expect(appPathOfLink('/clients/5', page)).toBe('/clients/5');
    expect(appPathOfLink('plan', page)).toBe('/episodes/plan');
    expect(appPathOfLink('?tab=messages', page)).toBe('/episodes/3?tab=messages');
  });

  it('routes a link to the page already shown, so that it can be reloaded in place', () => {
    expect(appPathOfLink('https://clinic.example/episodes/3', page)).toBe('/episodes/3');
  });

  it('keeps a path’s escapes as they are', () => {
    expect(appPathOfLink('https://clinic.example/feedback/a%2Fb%20c', page)).toBe('/feedback/a%2Fb%20c');
  });

  it('leaves a link to another origin to the browser', () => {
    expect(appPathOfLink('https://elsewhere.example/clients/5', page)).toBeNull();
    expect(appPathOfLink('//elsewhere.example/clients/5', page)).toBeNull();
    expect(appPathOfLink('http://clinic.example/clients/5', page)).toBeNull();
    expect(appPathOfLink('https://clinic.example:8443/clients/5', page)).toBeNull();
  });

  it('leaves phone numbers and e-mail addresses to the browser', () => {
    expect(appPathOfLink('tel:+441234567890', page)).toBeNull();
    expect(appPathOfLink('sms:116123', page)).toBeNull();
    expect(appPathOfLink('mailto:help@clinic.example', page)).toBeNull();
  });

  it('leaves the API to the browser (a download), but not a page whose path merely begins alike', () => {
    expect(appPathOfLink('https://clinic.example/api/v1/episodes/3/export.csv', page)).toBeNull();
    expect(appPathOfLink('/api/', page)).toBeNull();
    expect(appPathOfLink('/api', page)).toBe('/api');
    expect(appPathOfLink('/apis/x', page)).toBe('/apis/x');
  });

  it('leaves a jump to a #fragment on a page at this path to the browser', () => {
    expect(appPathOfLink('#messages', page)).toBeNull();
    expect(appPathOfLink('https://clinic.example/episodes/3#messages', page)).toBeNull();
    expect(appPathOfLink('https://clinic.example/episodes/3?tab=other#messages', page)).toBeNull();
  });

  it('routes a link to a #fragment of another page without its fragment', () => {
    expect(appPathOfLink('https://clinic.example/clients/5#guardians', page)).toBe('/clients/5');
  });

  it('treats an empty #fragment as none', () => {
    expect(appPathOfLink('https://clinic.example/episodes/3#', page)).toBe('/episodes/3');
  });
});

describe('takeHeadingFocus', () => {
  it('asks for no heading focus on the first load, and only once', () => {
    expect(takeHeadingFocus()).toBe(false);
    expect(takeHeadingFocus()).toBe(false);
  });
});

describe('confirmLeave', () => {
  afterEach(() => {
    setLeaveGuard(null);
  });

  it('lets the person leave a page without a guard', () => {
    expect(confirmLeave()).toBe(true);
  });

  it('asks the page’s guard every time, and keeps the person there when it says no', () => {
    const guard = vi.fn(() => false);
    setLeaveGuard(guard);
    expect(confirmLeave()).toBe(false);
    expect(confirmLeave()).toBe(false);
    expect(guard).toHaveBeenCalledTimes(2);
  });

  it('lets the person leave when the guard agrees', () => {
    setLeaveGuard(() => true);
    expect(confirmLeave()).toBe(true);
  });

  it('stops asking once the guard is taken away', () => {
    const guard = vi.fn(() => false);
    setLeaveGuard(guard);
    setLeaveGuard(null);
    expect(confirmLeave()).toBe(true);
    expect(guard).not.toHaveBeenCalled();
  });
});

describe('pathAfterSignIn', () => {
  it('opens the page the person was sent away from, with its query', () => {
    expect(pathAfterSignIn('/episodes/3?tab=plan')).toBe('/episodes/3?tab=plan');
    expect(pathAfterSignIn('/')).toBe('/');
  });

  it('opens the home page when there is nowhere to return to', () => {
    expect(pathAfterSignIn(null)).toBe('/');
    expect(pathAfterSignIn('')).toBe('/');
  });

  it('never leads to another site, however the address is written', () => {
    for (const away of ['//evil.example', '/\\evil.example', '/\\/evil.example', 'https://evil.example/', 'evil', '/\tevil', '/x\u0000y']) {
      expect(pathAfterSignIn(away), away).toBe('/');
    }
  });
});
