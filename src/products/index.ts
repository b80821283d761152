// Importing this module registers every product this server answers (docs/products.md).
import './slb/index.js';
import './location/index.js';
import './vpc/index.js';
import './ecs/index.js';
export { productByVersion, productByCode, products, type Product, type ProductCode } from './product.js';
