// Module resolution hooks that send `react`, `react-dom` and `@testing-library/react`
// (and their subpaths) to the React 18 tree of tests/react/react18/ (its own install:
// react-dom 18 cannot sit beside react 19 in the root, its peer dependency refuses it).
const parentURL = new URL("./react18/package.json", import.meta.url).href;
const REDIRECTED = /^(react|react-dom|@testing-library\/react)(\/|$)/;

export async function resolve(specifier, context, next) {
  return REDIRECTED.test(specifier) ? next(specifier, { ...context, parentURL }) : next(specifier, context);
}
