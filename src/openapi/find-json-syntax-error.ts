/**
 * Where JSON text first breaks the grammar (RFC 8259), for error messages: V8's JSON.parse
 * often names no position. Only called after JSON.parse has failed, so speed does not matter.
 */
export function findJsonSyntaxError(text: string): { offset: number; message: string } | undefined {
  let at = 0;
  const fail = (message: string): never => {
    throw new JsonSyntaxError(at, message);
  };
  const skipSpace = () => {
    while (at < text.length && " \t\n\r".includes(text.charAt(at))) at++;
  };
  const describeHere = () => (at >= text.length ? "end of input" : `${JSON.stringify(text.charAt(at))}`);
  const expect = (char: string, what: string) => {
    skipSpace();
    if (text.charAt(at) !== char) fail(`expected ${what}, found ${describeHere()}`);
    at++;
  };
  const string = () => {
    expect('"', "a string in double quotes");
    for (;;) {
      const char = text.charAt(at);
      if (at >= text.length) fail("unterminated string");
      if (char === '"') break;
      if (char < " ") fail("control character in a string (escape it)");
      if (char === "\\") {
        at++;
        if (
          text.charAt(at) === "u"
            ? !/^u[0-9a-fA-F]{4}/.test(text.slice(at, at + 5))
            : !'"\\/bfnrt'.includes(text.charAt(at)) || at >= text.length
        )
          fail("bad escape in a string");
      }
      at++;
    }
    at++;
  };
  const value = (depth: number): void => {
    if (depth > 10_000) fail("nested too deep");
    skipSpace();
    const char = text.charAt(at);
    if (char === "{") {
      at++;
      skipSpace();
      if (text.charAt(at) === "}") return void at++;
      for (;;) {
        skipSpace();
        if (text.charAt(at) !== '"') fail(`expected a property name in double quotes, found ${describeHere()}`);
        string();
        expect(":", "':' after the property name");
        value(depth + 1);
        skipSpace();
        if (text.charAt(at) === "}") return void at++;
        if (text.charAt(at) !== ",") fail(`expected ',' or '}', found ${describeHere()}`);
        at++;
      }
    }
    if (char === "[") {
      at++;
      skipSpace();
      if (text.charAt(at) === "]") return void at++;
      for (;;) {
        value(depth + 1);
        skipSpace();
        if (text.charAt(at) === "]") return void at++;
        if (text.charAt(at) !== ",") fail(`expected ',' or ']', found ${describeHere()}`);
        at++;
      }
    }
    if (char === '"') return string();
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(at, at + 400))?.[0];
    if (literal === undefined) fail(`expected a value, found ${describeHere()}`);
    at += literal?.length ?? 0;
  };
  try {
    value(0);
    skipSpace();
    if (at < text.length) fail(`unexpected ${describeHere()} after the JSON value`);
    return undefined;
  } catch (error) {
    if (error instanceof JsonSyntaxError) return { offset: error.offset, message: error.message };
    throw error;
  }
}

class JsonSyntaxError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}
