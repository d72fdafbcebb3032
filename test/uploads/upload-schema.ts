/** The SDL the upload tests serve: form fields of every shape, against one multipart-parsing upstream. */
export function uploadSchema(upstreamUrl: string): string {
  return /* GraphQL */ `
    scalar Upload
    scalar JSON
    extend schema @upstream(name: "ml", baseUrl: "${upstreamUrl}")
    type Part { name: String!, filename: String, mimetype: String, size: Int, sha256: String, text: String }
    type Echo { parts: [Part!]!, body: String }
    type Query { ping: String @rest(path: "/ping") }
    type Mutation {
      classify(model: String!, image: Upload!, topK: Int = 5): Echo
        @rest(method: POST, path: "/models/{args.model}/classify",
              form: [{ name: "file", value: "{args.image}" }, { name: "top_k", value: "{args.topK}" }])
      pair(a: Upload!, b: Upload!, note: String): Echo
        @rest(method: POST, path: "/pair",
              form: [{ name: "first", value: "{args.a}" }, { name: "second", value: "{args.b}" }, { name: "note", value: "note: {args.note}" }])
      batch(files: [Upload!]!): Echo @rest(method: POST, path: "/batch", form: [{ name: "files", value: "{args.files}" }])
      swapped(a: Upload!, b: Upload!): Echo
        @rest(method: POST, path: "/swapped", form: [{ name: "second", value: "{args.b}" }, { name: "first", value: "{args.a}" }])
      token(user: String!, password: String!, scope: String): Echo
        @rest(method: POST, path: "/token", formEncoding: URLENCODED,
              form: [{ name: "username", value: "{args.user}" }, { name: "password", value: "{args.password}" }, { name: "scope", value: "{args.scope}" }])
      note(text: String!): Echo @rest(method: POST, path: "/note", form: [{ name: "text", value: "{args.text}" }])
    }
  `;
}
