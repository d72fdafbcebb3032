/** An ISO 8601 UTC timestamp without milliseconds, as the Python services print them. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}
