/** Types of layers.js (plain JS so eslint.config.js can load it). */
export declare const LAYERS: Record<string, { imports: string[]; types?: string[] }>;
export declare const PACKAGES: Record<string, string[]>;
