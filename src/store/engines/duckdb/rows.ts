/**
 * A DuckDB result's rows as the store's Row objects, read column by column from the result's chunks
 * (docs/store.md, "Reading results").
 *
 * @duckdb/node-api's row readers (getRowObjectsJS and the like) test each value's validity bit with
 * BigInt arithmetic and build a DuckDBValue per value: about 200 ns a value, 20-40 ms for the 2,800
 * rows of 32 columns a forecast's retention statement returns at 10,000,000 transactions, plus as much
 * again to turn those objects into the store's values. Here the common types are decoded straight from
 * the vector's bytes (the C API's layout: fixed-width values, a 16-byte string record, a validity bit
 * per row) and every other type goes through node-api's own JS conversion, so each value comes out as
 * it did before: integers of up to 128 bits as numbers, dates and timestamps as epoch milliseconds,
 * decimals as doubles, NULL as null.
 */
import bindings from '@duckdb/node-bindings';
import { DuckDBTypeId, JSDuckDBValueConverter, type DuckDBDataChunk, type DuckDBMaterializedResult } from '@duckdb/node-api';
import type { Row, Value } from '../../tables.js';

/** What node-api's JS conversion gave, as the store's value (a bigint as a number, a Date as epoch ms). */
export function jsToValue(v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Date) return v.getTime();
  return String(v);
}

const TWO_32 = 4294967296;
const TWO_64 = TWO_32 * TWO_32;
const utf8 = new TextDecoder();

/** Bytes per value of the types decoded here (a string is its 16-byte duckdb_string_t). */
const WIDTH: Partial<Record<DuckDBTypeId, number>> = {
  [DuckDBTypeId.BOOLEAN]: 1,
  [DuckDBTypeId.TINYINT]: 1,
  [DuckDBTypeId.UTINYINT]: 1,
  [DuckDBTypeId.SMALLINT]: 2,
  [DuckDBTypeId.USMALLINT]: 2,
  [DuckDBTypeId.INTEGER]: 4,
  [DuckDBTypeId.UINTEGER]: 4,
  [DuckDBTypeId.FLOAT]: 4,
  [DuckDBTypeId.BIGINT]: 8,
  [DuckDBTypeId.UBIGINT]: 8,
  [DuckDBTypeId.DOUBLE]: 8,
  [DuckDBTypeId.HUGEINT]: 16,
  [DuckDBTypeId.UHUGEINT]: 16,
  [DuckDBTypeId.VARCHAR]: 16,
};

/**
 * A 64-bit two's complement integer from its 32-bit halves, as the nearest double (Number(bigint)
 * gives the same for every magnitude below 2^53, which is every id, count and amount the store holds).
 */
function int64(lo: number, hi: number): number {
  return hi * TWO_32 + lo;
}

/** A 128-bit two's complement integer from its four 32-bit words (least significant first). */
function int128(w0: number, w1: number, w2: number, w3: number, signed: boolean): number {
  if (signed && w3 >= 0x80000000) {
    // -(~x + 1), word by word: exact below 2^53 in magnitude.
    const n0 = (~w0 >>> 0) + 1;
    const carry0 = n0 === TWO_32 ? 1 : 0;
    const n1 = (~w1 >>> 0) + carry0;
    const carry1 = n1 === TWO_32 ? 1 : 0;
    const n2 = (~w2 >>> 0) + carry1;
    const carry2 = n2 === TWO_32 ? 1 : 0;
    const n3 = (~w3 >>> 0) + carry2;
    return -((n3 % TWO_32) * TWO_64 * TWO_32 + (n2 % TWO_32) * TWO_64 + (n1 % TWO_32) * TWO_32 + (n0 % TWO_32));
  }
  return w3 * TWO_64 * TWO_32 + w2 * TWO_64 + w1 * TWO_32 + w0;
}

/** One column of one chunk, decoded into out[offset ..]. */
function readColumn(chunk: DuckDBDataChunk, column: number, type: DuckDBTypeId, rows: number, out: Value[], offset: number): void {
  const width = WIDTH[type];
  if (width === undefined) {
    const values = chunk.convertColumnValues(column, JSDuckDBValueConverter);
    for (let i = 0; i < rows; i++) out[offset + i] = jsToValue(values[i]);
    return;
  }
  const vector = bindings.data_chunk_get_vector(chunk.chunk, column);
  const data = bindings.vector_get_data(vector, rows * width);
  // One bit per row, little-endian 64-bit words: byte i >> 3, bit i & 7. Null when every row is valid.
  const validity = bindings.vector_get_validity(vector, Math.ceil(rows / 64) * 8) as Uint8Array | null;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let i = 0; i < rows; i++) {
    if (validity && (validity[i >> 3]! & (1 << (i & 7))) === 0) {
      out[offset + i] = null;
      continue;
    }
    const at = i * width;
    let v: Value;
    switch (type) {
      case DuckDBTypeId.BOOLEAN: v = view.getUint8(at) !== 0; break;
      case DuckDBTypeId.TINYINT: v = view.getInt8(at); break;
      case DuckDBTypeId.UTINYINT: v = view.getUint8(at); break;
      case DuckDBTypeId.SMALLINT: v = view.getInt16(at, true); break;
      case DuckDBTypeId.USMALLINT: v = view.getUint16(at, true); break;
      case DuckDBTypeId.INTEGER: v = view.getInt32(at, true); break;
      case DuckDBTypeId.UINTEGER: v = view.getUint32(at, true); break;
      case DuckDBTypeId.FLOAT: v = view.getFloat32(at, true); break;
      case DuckDBTypeId.DOUBLE: v = view.getFloat64(at, true); break;
      case DuckDBTypeId.BIGINT: v = int64(view.getUint32(at, true), view.getInt32(at + 4, true)); break;
      case DuckDBTypeId.UBIGINT: v = int64(view.getUint32(at, true), view.getUint32(at + 4, true)); break;
      case DuckDBTypeId.HUGEINT:
      case DuckDBTypeId.UHUGEINT:
        v = int128(view.getUint32(at, true), view.getUint32(at + 4, true), view.getUint32(at + 8, true), view.getUint32(at + 12, true), type === DuckDBTypeId.HUGEINT);
        break;
      default: {
        // VARCHAR: a length, then the bytes inline when 12 or fewer, else a prefix and a pointer to them.
        const length = view.getUint32(at, true);
        const bytes = length <= 12
          ? new Uint8Array(data.buffer, data.byteOffset + at + 4, length)
          : bindings.get_data_from_pointer(data.buffer as ArrayBuffer, data.byteOffset + at + 8, length);
        v = utf8.decode(bytes);
      }
    }
    out[offset + i] = v;
  }
}

/** Every row of a materialized result, each an object keyed by column name (a second column of a name is `name:1`, as node-api names it). */
export function resultRows(result: DuckDBMaterializedResult): Row[] {
  const names = result.deduplicatedColumnNames();
  const types = names.map((_, j) => result.columnTypeId(j));
  const chunks = Array.from({ length: result.chunkCount }, (_, c) => result.getChunk(c));
  const total = chunks.reduce((a, chunk) => a + chunk.rowCount, 0);
  const columns = names.map(() => new Array<Value>(total));
  let offset = 0;
  for (const chunk of chunks) {
    const rows = chunk.rowCount;
    for (let j = 0; j < names.length; j++) readColumn(chunk, j, types[j]!, rows, columns[j]!, offset);
    offset += rows;
  }
  const make = rowMaker(names);
  const out = new Array<Row>(offset);
  for (let i = 0; i < offset; i++) out[i] = make(columns, i);
  return out;
}

type RowMaker = (columns: Value[][], i: number) => Row;
const makers = new Map<string, RowMaker>();

/**
 * A function that builds row i as one object literal of the result's column names: V8 makes such an
 * object at once in its final shape, where setting 30 names one by one (keyed stores of names it only
 * learns at run time) cost more than decoding the values. Made once per list of names (a statement's
 * text gives the same names each time) and kept; the names are quoted as JSON string literals, so
 * nothing in a name is read as code.
 */
function rowMaker(names: readonly string[]): RowMaker {
  const key = names.join('\u0000');
  let make = makers.get(key);
  if (!make && names.includes('__proto__')) {
    // A literal's "__proto__" would set the prototype: such names are set one by one.
    return (c, i) => {
      const row: Row = {};
      names.forEach((n, j) => Object.defineProperty(row, n, { value: c[j]![i]!, enumerable: true, writable: true, configurable: true }));
      return row;
    };
  }
  if (!make) {
    // Names are unique (deduplicated); were one repeated, the later column would win, in the first one's place.
    const last = new Map(names.map((n, j) => [n, j]));
    const fields = [...last].map(([n, j]) => `${JSON.stringify(n)}: c[${j}][i]`);
    make = new Function('c', 'i', `return { ${fields.join(', ')} };`) as RowMaker;
    if (makers.size >= MAKERS_KEPT) makers.clear();
    makers.set(key, make);
  }
  return make;
}

/** Row makers kept: the reports' statements have a few hundred shapes; past this many the cache starts again. */
const MAKERS_KEPT = 1000;
