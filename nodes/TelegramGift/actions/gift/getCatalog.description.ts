import type { INodeProperties } from 'n8n-workflow';

const show = { resource: ['gift'], operation: ['getCatalog'] };

export const getCatalogProperties: INodeProperties[] = [
	{
		displayName: 'Limited Gifts Only',
		name: 'limitedOnly',
		type: 'boolean',
		default: false,
		displayOptions: { show },
		description: 'Whether to return only gifts with a fixed supply',
	},
	{
		displayName: 'Include Sold Out',
		name: 'includeSoldOut',
		type: 'boolean',
		default: true,
		displayOptions: { show },
		description: 'Whether to return gifts that are sold out too',
	},
];
