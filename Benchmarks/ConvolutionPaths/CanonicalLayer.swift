import SpectralConv

/// The layers the suite measures: the seed network's three convolutions at its training batch, the
/// foundation issue's reference layers, and single-channel image filtering.
struct CanonicalLayer: Sendable {
    let name: String
    let inputShape: [Int]
    let weightShape: [Int]
    let options: ConvolutionOptions

    static let all: [CanonicalLayer] = [
        // The seed network (batch 100, 28×28 Fashion-MNIST): 1→4 5×5, 4→8 3×3, 8→16 3×3.
        CanonicalLayer(name: "seed.conv1 N100 1-4 k5 28x28", inputShape: [100, 1, 28, 28], weightShape: [4, 1, 5, 5], options: .init()),
        CanonicalLayer(name: "seed.conv2 N100 4-8 k3 24x24", inputShape: [100, 4, 24, 24], weightShape: [8, 4, 3, 3], options: .init()),
        CanonicalLayer(name: "seed.conv3 N100 8-16 k3 11x11", inputShape: [100, 8, 11, 11], weightShape: [16, 8, 3, 3], options: .init()),
        // A ResNet-style 3×3 layer: N=8, 64→64 channels, 56×56, same padding.
        CanonicalLayer(name: "k3 N8 64-64 56x56 same", inputShape: [8, 64, 56, 56], weightShape: [64, 64, 3, 3], options: .init(padding: .same)),
        // Large kernels, where the FFT path wins: N=8, 32→32 channels, 64×64, same padding.
        CanonicalLayer(name: "k7 N8 32-32 64x64 same", inputShape: [8, 32, 64, 64], weightShape: [32, 32, 7, 7], options: .init(padding: .same)),
        CanonicalLayer(name: "k11 N8 32-32 64x64 same", inputShape: [8, 32, 64, 64], weightShape: [32, 32, 11, 11], options: .init(padding: .same)),
        // Image filtering (scipy.signal.fftconvolve territory): a 512×512 image, a 31×31 kernel.
        CanonicalLayer(name: "image N1 1-1 512x512 k31 same", inputShape: [1, 1, 512, 512], weightShape: [1, 1, 31, 31], options: .init(padding: .same)),
    ]
}
