export { Asm } from './asm.js';
export { BOOT_SIGNATURE_OFFSET, FLOPPY_SIZE, floppyImage, writeFloppy } from './floppy.js';
export { type FieldExpectation, type Guest, guestImage } from './guest.js';
export { ltimGuest } from './ltim.js';
export { prevalentGuest } from './prevalent.js';
export { guestDeviceArgs, type RunGuestOptions, saveGuest } from './run.js';
export { type ExpectationResult, valueAt, verifyGuestStream } from './verify.js';
