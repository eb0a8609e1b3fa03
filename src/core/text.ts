/** Words for people: a count with its noun in the right number. */

/** "1 record", "2 records", "1,200 records"; `many` for a plural that is not the noun plus s. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** The verb for a count: "is"/"are", "was"/"were", "has"/"have" (pass the pair). */
export function verb(n: number, one: string, many: string): string {
  return n === 1 ? one : many;
}
