// The n8n-nodes-starter's formatting: tabs, single quotes, trailing commas, 100 columns.
// `npm run format` rewrites, `npm run format:check` (run by CI) only reports.
module.exports = {
	semi: true,
	trailingComma: 'all',
	bracketSpacing: true,
	useTabs: true,
	tabWidth: 2,
	arrowParens: 'always',
	singleQuote: true,
	quoteProps: 'as-needed',
	endOfLine: 'lf',
	printWidth: 100,
};
