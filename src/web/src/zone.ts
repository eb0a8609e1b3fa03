/** The viewer's time zone: the browser's by default, changeable, remembered in this browser. */
import { useEffect, useState } from 'react';
import { browserZone } from './format';

const KEY = 'konduit.tz';
const EVENT = 'konduit:tz';

/** The zone reports are cut in: the stored choice, else the browser's. */
export function viewerZone(): string {
  return localStorage.getItem(KEY) || browserZone();
}

/** Sets the viewer zone; null goes back to the browser's. */
export function setViewerZone(zone: string | null): void {
  if (zone === null || zone === browserZone()) localStorage.removeItem(KEY);
  else localStorage.setItem(KEY, zone);
  window.dispatchEvent(new Event(EVENT));
}

/** The viewer zone, re-rendering when it changes. */
export function useViewerZone(): string {
  const [zone, setZone] = useState(viewerZone);
  useEffect(() => {
    const on = () => setZone(viewerZone());
    window.addEventListener(EVENT, on);
    return () => window.removeEventListener(EVENT, on);
  }, []);
  return zone;
}
