/**
 * Command Set Identifiers (CSI), used by Identify, Get Log Page, namespace descriptors and CC.CSS.
 * @module
 */

/** Command Set Identifier values. */
export enum CommandSetIdentifier {
  /** NVM command set. */
  Nvm = 0x00,
  /** Key Value command set. */
  KeyValue = 0x01,
  /** Zoned Namespace command set. */
  Zoned = 0x02,
}
