/** The options of a time-zone picker: each zone by its IANA name, this browser's marked. */
import { browserZone } from '../format';

/** `<option>`s for `zones`, the browser's own zone marked "(this browser)". */
export function ZoneOptions(props: { zones: readonly string[] }) {
  const own = browserZone();
  return (
    <>
      {props.zones.map((z) => (
        <option key={z} value={z}>
          {z}
          {z === own ? ' (this browser)' : ''}
        </option>
      ))}
    </>
  );
}
