import { parseTemplate } from "./parse-template.js";

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Replaces `{env.X}` and `{env.X:-default}` in configuration text (base URLs, header values).
 * An empty variable counts as unset, as in the shell's `${X:-default}`. Variables of other
 * roots are left as they are. `missing` lists the variables that had neither value nor default.
 */
export function interpolateEnv(text: string, env: Env): { value: string; missing: string[] } {
  const { template } = parseTemplate(text, { literalBraces: true });
  const missing: string[] = [];
  let value = "";
  for (const part of template.parts) {
    if (typeof part === "string") value += part;
    else if (part.root !== "env") value += part.source;
    else {
      const name = part.path[0] ?? "";
      const found = env[name];
      if (found !== undefined && found !== "") value += found;
      else if (part.fallback !== undefined) value += part.fallback;
      else missing.push(name);
    }
  }
  return { value, missing };
}
