import type { Parser } from '@asyncapi/parser';

export declare function asyncApiParser(): Parser;
