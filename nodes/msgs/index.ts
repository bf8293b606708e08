// Message types and the registry that encodes them: import from here, not from the parts.
export * from './generated/interfaces.js';
export {
  MessageRegistry,
  UnknownMessageTypeError,
  defaultMessageRegistry,
  type DefinitionOrigin,
  type InterfaceDescription,
  type KnownMessageTypeMap,
  type KnownMessageTypeName,
  type MessageOf,
  type MessageRegistryOptions,
  type ServiceDescription,
} from './registry.js';
export { MessageValidationError } from './validate.js';
export type { MessageDefinition, MessageDefinitionField } from './definition.js';
