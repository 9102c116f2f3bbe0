// `node --import ./tests/react/react18-register.mjs`: the tests under React 18.
import { register } from "node:module";

register("./react18-hooks.mjs", import.meta.url);
