import fastJson from "fast-json-stringify";
import { z } from "zod";
import { $ZodType } from "zod/v4/core";

type JsonSchema = Record<string, unknown>;

const isRecord = (value: unknown): value is JsonSchema =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const PRIMITIVE_TYPES = new Set(["string", "number", "integer", "boolean"]);

/**
 * Rewrites what zod emits into what fast-json-stringify writes fastest, without changing which
 * values are written: `anyOf: [{ type: "string" }, { type: "null" }]` (zod's nullable) becomes
 * `type: ["string", "null"]`, which needs no run-time schema check to pick a branch. Keywords that
 * only validate (`format`, `pattern`, lengths) are dropped: the handlers already built the values,
 * and `format: "date-time"` would make the writer reformat strings it should copy as they are.
 */
function simplify(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(simplify);
  if (!isRecord(schema)) return schema;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (
      key === "$schema" ||
      key === "format" ||
      key === "pattern" ||
      key === "minLength" ||
      key === "maxLength" ||
      key === "minimum" ||
      key === "maximum" ||
      key === "propertyNames" ||
      key === "description" ||
      key === "examples" ||
      key === "default"
    ) {
      continue;
    }
    if (key === "properties" && isRecord(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, s]) => [name, simplify(s)]));
    } else {
      out[key] = simplify(value);
    }
  }
  const branches: unknown = out.anyOf;
  if (Array.isArray(branches) && branches.length === 2) {
    const list: unknown[] = branches;
    const a = list[0];
    const b = list[1];
    const nullFirst = isRecord(a) && a.type === "null";
    const other = nullFirst ? b : a;
    const theNull = nullFirst ? a : b;
    if (
      isRecord(theNull) &&
      theNull.type === "null" &&
      Object.keys(theNull).length === 1 &&
      isRecord(other) &&
      typeof other.type === "string" &&
      PRIMITIVE_TYPES.has(other.type)
    ) {
      delete out.anyOf;
      return { ...out, ...other, type: [other.type, "null"] };
    }
  }
  return out;
}

/** The JSON schema a response is written with: the zod schema's output side, no shared ids. */
export function responseJsonSchema(schema: $ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, {
    target: "draft-7",
    io: "output",
    unrepresentable: "any",
    // A registry of its own, so schemas with an id (Task, Problem) are inlined, not referenced.
    metadata: z.registry(),
  });
  const simple = simplify(json);
  if (!isRecord(simple)) throw new Error("response schema is not an object");
  return simple;
}

/**
 * Fastify serializer compiler for zod response schemas: each schema is turned into a JSON schema
 * once, at start-up, and compiled by fast-json-stringify into a writer that emits exactly the
 * declared properties (anything else on the object is left out) and throws when a required one is
 * missing. Replaces zod's check-then-JSON.stringify of every response, which dominated the cost of
 * writing a list. The OpenAPI document is generated from the same zod schemas, so it is unchanged.
 */
export function serializerCompiler({ schema }: { schema: unknown }): (data: unknown) => string {
  const zodSchema =
    schema instanceof $ZodType
      ? schema
      : isRecord(schema) && schema.properties instanceof $ZodType
        ? schema.properties
        : undefined;
  if (!zodSchema) return (data) => JSON.stringify(data);
  const write = fastJson(responseJsonSchema(zodSchema));
  return (data) => String(write(data));
}
