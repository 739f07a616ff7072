/** Documents of a case: Handlebars templates → HTML + PDF, stored, served, and produced by connectors. */
export { DocumentService, type DocumentSummary, type GenerateInput } from './document.service.js';
export { TemplateCatalog } from './template-catalog.js';
export { documentConnectors } from './connectors.js';
export { DOCUMENT_KINDS, DOCUMENT_TYPES, isDocumentType, type DocumentType } from './kinds.js';
export { DocumentDataError } from './view-models.js';
