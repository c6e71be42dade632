// Jest resolver for the tests' own modules. Tests are CommonJS TypeScript (`.cts`, see
// CONTRIBUTING.md), and TypeScript has one module import another `.cts` as `./name.cjs`: that
// file does not exist until compiled, so such an import resolves to the `.cts` source. Real
// `.cjs` files (in node_modules) resolve as usual, first.
'use strict';

module.exports = (request, options) => {
	try {
		return options.defaultResolver(request, options);
	} catch (error) {
		if (!request.endsWith('.cjs')) throw error;
		return options.defaultResolver(`${request.slice(0, -'.cjs'.length)}.cts`, options);
	}
};
