import { TrestleError } from "../errors.js";
import { defaultLimits, type LimitsOptions, type NormalizedLimits } from "./limits-options.js";

/** Fills defaults and refuses values that are not positive integers, naming the option. */
export function normalizeLimits(options: LimitsOptions | undefined): NormalizedLimits {
  const limits: NormalizedLimits = { ...defaultLimits };
  for (const [name, value] of Object.entries(options ?? {})) {
    if (!(name in defaultLimits)) {
      throw new TrestleError("CONFIG_INVALID", `limits.${name} is not a limit (known: ${Object.keys(defaultLimits).join(", ")})`);
    }
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
      throw new TrestleError("CONFIG_INVALID", `limits.${name} must be a positive integer, received ${JSON.stringify(value)}`);
    }
    limits[name as keyof NormalizedLimits] = value;
  }
  return limits;
}
