// class-transformer ships this module's types under types/ only; the test reads its @Type() metadata.
declare module 'class-transformer/cjs/storage' {
  export { defaultMetadataStorage } from 'class-transformer/types/storage';
}
