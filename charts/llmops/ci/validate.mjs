// Validates Helm values against the chart's values.schema.json, as `helm install -f a.yaml -f b.yaml` would: the
// files are merged in order (maps deeply, everything else replaced) onto values.yaml, then validated with ajv.
// Usage: node ci/validate.mjs [more-values.yaml ...]   (paths relative to the chart, or absolute)
// Prints "valid" or every error, one per line; exit code 0 = valid, 1 = invalid, 2 = usage/parse error.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import Ajv from "ajv";
import YAML from "yaml";

const chart = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const load = (file) => YAML.parse(readFileSync(resolve(chart, file), "utf8")) ?? {};

const isMap = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
function merge(base, over) {
  if (!isMap(base) || !isMap(over)) return over;
  const out = { ...base };
  for (const [key, value] of Object.entries(over)) {
    // Helm: a null in a later file deletes the key.
    if (value === null) delete out[key];
    else out[key] = key in out ? merge(out[key], value) : value;
  }
  return out;
}

let values, schema;
try {
  schema = JSON.parse(readFileSync(resolve(chart, "values.schema.json"), "utf8"));
  values = process.argv.slice(2).reduce((acc, file) => merge(acc, load(file)), load("values.yaml"));
} catch (error) {
  console.error(`cannot read the values or the schema: ${error.message}`);
  process.exit(2);
}

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const validate = ajv.compile(schema);
if (validate(values)) {
  console.log("valid");
  process.exit(0);
}
for (const error of validate.errors) {
  const extra = error.params?.additionalProperty ? ` '${error.params.additionalProperty}'` : "";
  console.log(`${error.instancePath || "/"} ${error.message}${extra}`);
}
process.exit(1);
