/**
 * `pytorch-defaults`: the same PyTorch model code as `pytorch`, with PyTorch's own defaults where Keras's
 * differ — torch.optim's RMSprop and Adam (their epsilons, and Adam's epsilon inside the bias correction),
 * BatchNorm momentum 0.1 / epsilon 1e-5 with PyTorch's running statistics, Kaiming-uniform initial weights
 * and biases, and nn.CrossEntropyLoss on the logits (no clip). Shipped as the example of the commonest
 * porting mistake: `mnist-spec conform --impl pytorch-defaults` must fail, and reports/pytorch-defaults/ says
 * which specs catch it.
 */
import type { Implementation } from '../interface.js';
import { pytorchImplementation } from './index.js';

export default (): Promise<Implementation> => pytorchImplementation('pytorch-defaults');
