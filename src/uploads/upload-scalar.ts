import { GraphQLError, GraphQLScalarType } from "graphql";
import { Upload } from "./upload.js";

/**
 * The `Upload` scalar a schema declares (`scalar Upload`): its values are the files of a
 * GraphQL multipart request, placed in the variables by the upload route. Nothing else
 * coerces to it — not a JSON value, not an inline literal — and it is never an output.
 */
export const uploadScalar = new GraphQLScalarType({
  name: "Upload",
  description: "A file sent in a GraphQL multipart request (the `map` part names the variable it fills).",
  parseValue(value) {
    if (value instanceof Upload) return value;
    throw new GraphQLError(
      "Upload value must be a file part of a multipart/form-data request (the GraphQL multipart request spec: operations, map, then the file); a JSON value cannot be a file.",
    );
  },
  parseLiteral() {
    throw new GraphQLError("Upload cannot be written inline: send the file as a multipart request and pass it as a variable.");
  },
  serialize() {
    throw new GraphQLError("Upload is an input type only: a field cannot return one.");
  },
});
