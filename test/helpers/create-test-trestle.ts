import { createTrestle, type Trestle, type TrestleOptions } from "../../src/index.js";

/** createTrestle with test defaults: quiet logging, an empty environment unless given. */
export function createTestTrestle(schema: string, options: Partial<TrestleOptions> = {}): Promise<Trestle> {
  return createTrestle({ schema, logging: false, env: {}, ...options });
}
