import { Injectable } from '@nestjs/common';
import { dirname, join } from 'node:path';
import { StaticAssets } from '../common/http/static-assets';

/** Files of every page here, shared by the pages (pages.js, pages.css) or their own. */
const OWN_FILES = ['wallet.html', 'cashier.html', 'pages.js', 'pages.css', 'wallet.js', 'cashier.js'];

/**
 * The wallet's and the cashier's files, and the browser code they use from installed
 * packages: qrcode-generator (an ES module) draws QR codes, jsQR decodes them where the
 * browser has no BarcodeDetector. Only these names can be served.
 */
@Injectable()
export class PagesAssets extends StaticAssets {
  constructor() {
    const publicDir = join(__dirname, 'public');
    super({
      ...Object.fromEntries(OWN_FILES.map((name) => [name, join(publicDir, name)])),
      'qrcode.mjs': join(dirname(require.resolve('qrcode-generator')), 'qrcode.mjs'),
      'jsQR.js': require.resolve('jsqr'),
    });
  }
}
