import { describe, expect, it } from 'vitest';
import { hasDesktop } from '../../src/client/openBrowser.js';

describe('opening the dashboard in a browser', () => {
  it('happens only where there is a desktop: macOS, or an X11 or Wayland display', () => {
    expect(hasDesktop({}, 'darwin')).toBe(true);
    expect(hasDesktop({ DISPLAY: ':0' }, 'linux')).toBe(true);
    expect(hasDesktop({ WAYLAND_DISPLAY: 'wayland-0' }, 'linux')).toBe(true);
    expect(hasDesktop({}, 'linux')).toBe(false);
    expect(hasDesktop({ DISPLAY: '' }, 'linux')).toBe(false);
  });
});
