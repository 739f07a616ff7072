// Minimal declarations for dmn-moddle 12 (untyped), as used by src/decisions/parse.ts.
declare module 'dmn-moddle' {
  export interface DmnElement {
    $type: string;
    id?: string;
    name?: string;
    $attrs?: Record<string, string>;
    [key: string]: unknown;
  }
  interface FromXmlResult {
    rootElement: DmnElement;
    elementsById: Record<string, DmnElement>;
    references: unknown[];
    warnings: Array<{ message: string; element?: DmnElement; property?: string; value?: unknown; error?: Error }>;
  }
  export class DmnModdle {
    constructor(packages?: Record<string, unknown>, options?: Record<string, unknown>);
    fromXML(xml: string, typeName?: string, options?: Record<string, unknown>): Promise<FromXmlResult>;
  }
}
