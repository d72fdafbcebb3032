import { GraphQLError, Lexer, Source, TokenKind, type ASTNode, type Token } from "graphql";

const definitionKeywords = new Set(["query", "mutation", "subscription", "fragment"]);

/** A file's text as graphql 16 parses it, and the description strings lifted out of it. */
export interface LiftedDescriptions {
  /** The text with each description string before a definition blanked out (lines and columns kept). */
  body: string;
  /** Each description, by the offset of the keyword it stands before. */
  byOffset: Map<number, string>;
}

/**
 * graphql 16 parses no description string before an operation (`"""Looks up a model.""" query
 * Model { … }`, GraphQL's executable-descriptions RFC); Trestle reads it from the tokens and
 * blanks it out, so that the parser sees plain definitions at the same lines and columns. A
 * text the lexer refuses is returned as it is: the parser then reports where.
 */
export function liftDescriptions(body: string, name: string): LiftedDescriptions {
  const byOffset = new Map<number, string>();
  const lexer = new Lexer(new Source(body, name));
  let text = body;
  let depth = 0;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      if (token.kind === TokenKind.BRACE_L) depth++;
      else if (token.kind === TokenKind.BRACE_R) depth--;
      else if (depth === 0 && (token.kind === TokenKind.STRING || token.kind === TokenKind.BLOCK_STRING)) {
        const next = lexer.lookahead();
        if (next.kind !== TokenKind.NAME || !definitionKeywords.has(next.value)) continue;
        byOffset.set(next.start, token.value);
        text = text.slice(0, token.start) + text.slice(token.start, token.end).replace(/[^\r\n]/g, " ") + text.slice(token.end);
      }
    }
  } catch (error) {
    if (error instanceof GraphQLError) return { body, byOffset: new Map() };
    throw error;
  }
  return { body: text, byOffset };
}

/**
 * A definition's description: its lifted description string, else the `#` comment lines right
 * above it (each the first thing on its line, no blank line between), their `#` and one space dropped.
 */
export function readDescription(node: ASTNode, lifted: LiftedDescriptions): string | undefined {
  const start = node.loc?.startToken;
  if (start === undefined) return undefined;
  const described = lifted.byOffset.get(start.start);
  if (described !== undefined) return described.trim() || undefined;
  const lines: string[] = [];
  let line = start.line;
  for (let token: Token | null = start.prev; token?.kind === TokenKind.COMMENT; token = token.prev) {
    if (token.line !== line - 1 || (token.prev !== null && token.prev.line === token.line)) break;
    lines.unshift((token.value ?? "").replace(/^ /, "").trimEnd());
    line = token.line;
  }
  const text = lines.join("\n").trim();
  return text === "" ? undefined : text;
}
