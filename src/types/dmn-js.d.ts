// Minimal declaration for the dmn-js Viewer (untyped), as used by src/web/client/decision-table.ts.
declare module 'dmn-js/lib/Viewer.js' {
  const Viewer: unknown;
  export default Viewer;
}
