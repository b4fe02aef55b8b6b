import type { INodeProperties } from 'n8n-workflow';

const show = { resource: ['gift'], operation: ['downloadSticker'] };

export const downloadStickerProperties: INodeProperties[] = [
	{
		displayName: 'Gift ID',
		name: 'giftId',
		type: 'string',
		required: true,
		default: '={{ $json.id }}',
		displayOptions: { show },
		description: 'The ID of the gift whose sticker to download',
	},
	{
		displayName: 'Put Output File in Field',
		name: 'binaryPropertyName',
		type: 'string',
		required: true,
		default: 'sticker',
		displayOptions: { show },
		hint: 'The name of the output binary field to put the sticker (.tgs) in',
	},
];
