import { existsSync, writeFileSync } from 'node:fs';
import qrcode from 'qrcode-generator';

/** Debian's Chromium, driven by playwright-core (no browser download). */
export const CHROMIUM = '/usr/bin/chromium';

/** Headless, sandbox-less (containers), and quiet: nothing but the page under test talks to the network. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function assertChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium package (npm test does so when run as root: apt-get install -y chromium)`,
    );
  }
}

/** Chromium's flags for a fake camera that films `y4mFile` (looped) and is allowed without asking. */
export function fakeCameraArgs(y4mFile: string): string[] {
  return ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${y4mFile}`];
}

/**
 * Writes a one-frame Y4M video (640×480, 4:2:0) showing `text` as a QR code, black on white
 * with its quiet zone, from qrcode-generator's module matrix: what a camera pointed at a
 * voucher's QR code would see.
 */
export function writeQrVideo(path: string, text: string): void {
  const width = 640;
  const height = 480;
  const qr = qrcode(0, 'M');
  qr.addData(text);
  qr.make();
  const modules = qr.getModuleCount();
  const quiet = 4;
  const cell = Math.floor((height - 40) / (modules + 2 * quiet));
  const left = Math.floor((width - modules * cell) / 2);
  const top = Math.floor((height - modules * cell) / 2);
  const luma = Buffer.alloc(width * height, 255);
  for (let row = 0; row < modules; row++) {
    for (let col = 0; col < modules; col++) {
      if (!qr.isDark(row, col)) continue;
      for (let y = 0; y < cell; y++)
        luma.fill(0, (top + row * cell + y) * width + left + col * cell, (top + row * cell + y) * width + left + (col + 1) * cell);
    }
  }
  const chroma = Buffer.alloc((width / 2) * (height / 2), 128);
  writeFileSync(path, Buffer.concat([Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\nFRAME\n`), luma, chroma, chroma]));
}
