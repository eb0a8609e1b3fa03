/** A table with a title and an "Export CSV" button; cells carry both a display form and a CSV form. */
import type { ReactNode } from 'react';
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
  className?: string;
  title?: string;
}

/** A titled table with CSV export of exactly what it shows. */
export function DataTable(props: { id: string; title: string; subtitle?: string; columns: Column[]; rows: Cell[][]; filename: string; empty?: string; actions?: ReactNode }) {
  const { columns, rows } = props;
  const shown = columns.map((c, i) => (c.csvOnly ? -1 : i)).filter((i) => i >= 0);
  return (
    <section className="card" data-table={props.id}>
      <header className="card-head">
        <div>
          <h2>{props.title}</h2>
          {props.subtitle ? <p className="muted small">{props.subtitle}</p> : null}
        </div>
        <div className="row gap">
          {props.actions}
          <button
            type="button"
            className="btn btn-ghost btn-sm"
            data-export={props.id}
            disabled={rows.length === 0}
            onClick={() => downloadCsv(props.filename, columns.map((c) => c.label), rows.map((r) => r.map((c) => c.csv)))}
          >
            Export CSV
          </button>
        </div>
      </header>
      {rows.length === 0 ? (
        <p className="empty">{props.empty ?? 'No data for this selection.'}</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                {shown.map((i) => columns[i]!).map((c) => (
                  <th key={c.label} className={c.numeric ? 'num' : undefined}>
                    {c.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                <tr key={i}>
                  {shown.map((j) => [j, r[j]!] as const).filter(([, c]) => c !== undefined).map(([j, c]) => (
                    <td key={j} className={[columns[j]?.numeric ? 'num' : '', c.className ?? ''].join(' ').trim() || undefined} title={c.title}>
                      {c.view}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
