/**
 * A titled table with "Export CSV"; cells carry both a display form and a CSV form. Every column sorts
 * (a button in its header: click, Enter or Space; again for the other order; aria-sort says which), the
 * table scrolls inside its card when it is wider than the screen, with its first column kept in view,
 * and the scrolling area can be reached and scrolled by keyboard.
 */
import { useMemo, useState, type ReactNode } from 'react';
import { downloadCsv } from '../csv';

export interface Column {
  label: string;
  numeric?: boolean;
  /** Only in the CSV export (e.g. a completeness flag the table shows by marking cells). */
  csvOnly?: boolean;
}

export interface Cell {
  /** What the table shows. */
  view: ReactNode;
  /** What the CSV holds (money as a decimal, rates as fractions). */
  csv: string;
  /** What the column sorts by, when not the CSV value (numeric columns sort by the CSV's number). */
  sort?: string | number;
  className?: string;
  title?: string;
}

/** The order of two cells of a column: numbers as numbers (empty last), text by the locale. */
function compareCells(a: Cell | undefined, b: Cell | undefined, numeric: boolean): number {
  const ka = a?.sort ?? a?.csv ?? '';
  const kb = b?.sort ?? b?.csv ?? '';
  if (numeric || (typeof ka === 'number' && typeof kb === 'number')) {
    const na = ka === '' ? NaN : Number(ka);
    const nb = kb === '' ? NaN : Number(kb);
    if (Number.isNaN(na) || Number.isNaN(nb)) return Number.isNaN(na) ? (Number.isNaN(nb) ? 0 : 1) : -1;
    return na - nb;
  }
  return String(ka).localeCompare(String(kb), 'en', { numeric: true });
}

/** A titled table with CSV export of exactly what it shows. */
export function DataTable(props: { id: string; title: string; subtitle?: string; columns: Column[]; rows: Cell[][]; filename: string; empty?: string; actions?: ReactNode }) {
  const { columns, rows } = props;
  const [sort, setSort] = useState<{ col: number; dir: 'ascending' | 'descending' } | null>(null);
  const shown = useMemo(() => {
    if (!sort) return rows;
    const numeric = columns[sort.col]?.numeric === true;
    const sign = sort.dir === 'ascending' ? 1 : -1;
    // A stable sort: rows equal in this column keep the report's order.
    return rows.map((r, i) => [r, i] as const).sort((a, b) => sign * compareCells(a[0][sort.col], b[0][sort.col], numeric) || a[1] - b[1]).map(([r]) => r);
  }, [rows, columns, sort]);
  const titleId = `table-${props.id}-title`;
  // The columns the table shows (CSV-only ones are left out of the view, never of the export).
  const visible = columns.map((c, i) => (c.csvOnly ? -1 : i)).filter((i) => i >= 0);
  return (
    <section className="card" data-table={props.id} aria-labelledby={titleId}>
      <header className="card-head">
        <div>
          <h2 id={titleId}>{props.title}</h2>
          {props.subtitle ? <p className="muted small">{props.subtitle}</p> : null}
        </div>
        <div className="row gap wrap">
          {props.actions}
          <button
            type="button"
            className="btn btn-ghost btn-sm"
            data-export={props.id}
            disabled={rows.length === 0}
            onClick={() => downloadCsv(props.filename, columns.map((c) => c.label), shown.map((r) => r.map((c) => c.csv)))}
          >
            Export CSV
          </button>
        </div>
      </header>
      {rows.length === 0 ? (
        <p className="empty">{props.empty ?? 'No data for this selection.'}</p>
      ) : (
        // Focusable so that a keyboard can scroll it; named after its table.
        <div className="table-wrap" tabIndex={0} role="region" aria-labelledby={titleId} data-scroll={props.id}>
          <table>
            <thead>
              <tr>
                {visible.map((i) => {
                  const c = columns[i]!;
                  const dir = sort?.col === i ? sort.dir : undefined;
                  return (
                    <th key={`${i}:${c.label}`} className={c.numeric ? 'num' : undefined} aria-sort={dir ?? 'none'} scope="col">
                      <button
                        type="button"
                        className="sort"
                        data-sort={i}
                        // Numbers start with the largest, text from A; a second press turns the order round.
                        onClick={() => setSort(dir ? { col: i, dir: dir === 'ascending' ? 'descending' : 'ascending' } : { col: i, dir: c.numeric ? 'descending' : 'ascending' })}
                      >
                        {c.label}
                      </button>
                    </th>
                  );
                })}
              </tr>
            </thead>
            <tbody>
              {shown.map((r, i) => (
                <tr key={i}>
                  {visible.map((j) => [j, r[j]] as const).map(([j, c]) =>
                    c === undefined ? null : (
                      <td key={j} className={[columns[j]?.numeric ? 'num' : '', c.className ?? ''].join(' ').trim() || undefined} title={c.title}>
                        {c.view}
                      </td>
                    ),
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
