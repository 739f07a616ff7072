// Bootstrap Italia loads its fonts (Titillium Web, Roboto Mono, Lora) from here: served by the application, never from a CDN.
window.__PUBLIC_PATH__ = '/static/bi/fonts';
