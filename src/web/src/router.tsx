/** A tiny client-side router: the path is the state; links push history entries. */
import { useEffect, useState, type MouseEvent, type ReactNode } from 'react';

const EVENT = 'konduit:navigate';

/** Goes to `path` (with its query string) without reloading the page. */
export function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  window.dispatchEvent(new Event(EVENT));
}

/** The current path and query, re-rendering on navigation. */
export function useLocation(): { path: string; search: URLSearchParams } {
  const [, setTick] = useState(0);
  useEffect(() => {
    const on = () => setTick((t) => t + 1);
    window.addEventListener('popstate', on);
    window.addEventListener(EVENT, on);
    return () => {
      window.removeEventListener('popstate', on);
      window.removeEventListener(EVENT, on);
    };
  }, []);
  return { path: location.pathname, search: new URLSearchParams(location.search) };
}

/** An anchor that navigates in-app (a modified click opens a new tab as usual). */
export function Link(props: { to: string; className?: string; children: ReactNode; testId?: string }) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    navigate(props.to);
  };
  return (
    <a href={props.to} className={props.className} onClick={onClick} data-testid={props.testId} aria-current={props.className?.split(' ').includes('active') ? 'page' : undefined}>
      {props.children}
    </a>
  );
}
