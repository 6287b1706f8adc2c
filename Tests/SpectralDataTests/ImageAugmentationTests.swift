import Foundation
import SpectralConv
@testable import SpectralData
import Testing

/// ImageDataGenerator-style augmentation: exact geometric cases, featurewise statistics, determinism.
@Suite struct ImageAugmentationTests {
    /// `[count, channels, size, size]` with distinct values everywhere.
    static func distinct(count: Int = 3, channels: Int = 2, size: Int = 5) -> Tensor<Float> {
        Tensor(shape: [count, channels, size, size]) { Float($0) * 0.01 + Float($0 % 7) }
    }

    static func transform(_ image: Tensor<Float>, _ transform: ImageTransform) -> Tensor<Float> {
        let (channels, height, width) = (image.shape[0], image.shape[1], image.shape[2])
        var output = Tensor<Float>(shape: image.shape)
        image.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                transform.apply(source: source, target: target, channels: channels, height: height, width: width)
            }
        }
        return output
    }

    /// Image `index` of a batch as `[C, H, W]`.
    static func image(_ batch: Tensor<Float>, _ index: Int) -> Tensor<Float> {
        let size = batch.shape.dropFirst().reduce(1, *)
        return try! Tensor(shape: Array(batch.shape.dropFirst()), scalars: Array(batch.scalars[(index * size)..<((index + 1) * size)]))
    }

    /// Whether two generators will produce the same next outputs.
    static func sameState(_ a: SplitMix64, _ b: SplitMix64) -> Bool {
        var (a, b) = (a, b)
        return (0..<4).allSatisfy { _ in a.next() == b.next() }
    }

    @Test func identityWhenOff() {
        let augmentation = ImageAugmentation()
        #expect(augmentation.isIdentity)
        let images = Self.distinct()
        var generator = SplitMix64(seed: 7)
        #expect(augmentation.augment(images, using: &generator) == images)
        #expect(augmentation.standardize(images) == images)
        #expect(Self.sameState(generator, SplitMix64(seed: 7)), "no draws when off")
        var shifted = ImageAugmentation()
        shifted.widthShiftRange = 0.1
        #expect(!shifted.isIdentity)
    }

    @Test func flipsAreExactMirrors() {
        let image = Self.image(Self.distinct(count: 1, channels: 2, size: 4), 0)
        let horizontal = Self.transform(image, ImageTransform(flipHorizontally: true))
        let vertical = Self.transform(image, ImageTransform(flipVertically: true))
        let both = Self.transform(image, ImageTransform(flipHorizontally: true, flipVertically: true))
        for c in 0..<2 {
            for r in 0..<4 {
                for k in 0..<4 {
                    #expect(horizontal[c, r, k] == image[c, r, 3 - k])
                    #expect(vertical[c, r, k] == image[c, 3 - r, k])
                    #expect(both[c, r, k] == image[c, 3 - r, 3 - k])
                }
            }
        }
    }

    @Test func randomFlipsGiveOriginalsOrMirrors() {
        var augmentation = ImageAugmentation()
        augmentation.horizontalFlip = true
        let images = Self.distinct(count: 64, channels: 1, size: 3)
        var generator = SplitMix64(seed: 1)
        let output = augmentation.augment(images, using: &generator)
        var flipped = 0
        for n in 0..<64 {
            let original = Self.image(images, n), result = Self.image(output, n)
            let mirror = Self.transform(original, ImageTransform(flipHorizontally: true))
            #expect(result == original || result == mirror)
            if result == mirror { flipped += 1 }
        }
        #expect(flipped > 16 && flipped < 48, "about half the images are flipped, got \(flipped)")
    }

    @Test(arguments: [(2.0, 0.0), (0.0, -1.0), (-3.0, 2.0), (1.0, 1.0)])
    func wholePixelShiftsAreExact(rowShift: Double, columnShift: Double) {
        let image = Self.image(Self.distinct(count: 1, channels: 2, size: 6), 0)
        let shifted = Self.transform(image, ImageTransform(rowShift: rowShift, columnShift: columnShift))
        let (dr, dc) = (Int(rowShift), Int(columnShift))
        for c in 0..<2 {
            for r in 0..<6 {
                for k in 0..<6 {
                    // Output (r, k) samples input (r + dr, k + dc), clamped to the border (fill mode 'nearest').
                    #expect(shifted[c, r, k] == image[c, min(max(r + dr, 0), 5), min(max(k + dc, 0), 5)])
                }
            }
        }
    }

    @Test func rotationByNinetyDegreesIsAQuarterTurn() {
        for size in [4, 5] {
            let image = Self.image(Self.distinct(count: 1, channels: 1, size: size), 0)
            let rotated = Self.transform(image, ImageTransform(rotationDegrees: 90))
            let back = Self.transform(rotated, ImageTransform(rotationDegrees: -90))
            for r in 0..<size {
                for k in 0..<size {
                    #expect(abs(rotated[0, r, k] - image[0, size - 1 - k, r]) < 1e-4)
                    #expect(abs(back[0, r, k] - image[0, r, k]) < 1e-4)
                }
            }
        }
    }

    @Test func smallRotationInterpolatesWithinRange() {
        let image = Self.image(Self.distinct(count: 1, channels: 1, size: 8), 0)
        let rotated = Self.transform(image, ImageTransform(rotationDegrees: 10, rowShift: 0.5))
        let (low, high) = (image.scalars.min()!, image.scalars.max()!)
        #expect(rotated.scalars.allSatisfy { $0 >= low - 1e-5 && $0 <= high + 1e-5 })
        #expect(rotated != image)
    }

    @Test func featurewiseStatistics() {
        // Channel 0 holds 0…7, channel 1 holds 10 + 2·(0…7) over two images of 2×2.
        let images = Tensor<Float>(shape: [2, 2, 2, 2]) { offset in
            let (n, c, p) = (offset / 8, offset / 4 % 2, offset % 4)
            let k = Float(n * 4 + p)
            return c == 0 ? k : 10 + 2 * k
        }
        var augmentation = ImageAugmentation()
        augmentation.featurewiseCenter = true
        #expect(augmentation.standardize(images) == images, "unchanged before fit, as Keras")
        augmentation.fit(images)
        let std0 = Float((21.0 / 4).squareRoot())  // population std of 0…7
        #expect(augmentation.mean == [3.5, 17])
        #expect(abs(augmentation.std![0] - std0) < 1e-6 && abs(augmentation.std![1] - 2 * std0) < 1e-5)
        let centred = augmentation.standardize(images)
        #expect(centred[0, 0, 0, 0] == -3.5 && centred[1, 1, 1, 1] == 24 - 17)

        augmentation.featurewiseCenter = false
        augmentation.featurewiseStdNormalization = true
        let normalised = augmentation.standardize(images)
        for c in 0..<2 {
            var values: [Double] = []
            for n in 0..<2 { for r in 0..<2 { for k in 0..<2 { values.append(Double(normalised[n, c, r, k])) } } }
            let mean = values.reduce(0, +) / 8
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 8
            #expect(abs(mean) < 1e-5, "std normalisation implies centring, as in Keras")
            #expect(abs(variance.squareRoot() - 1) < 1e-5)
        }
        var generator = SplitMix64(seed: 3)
        #expect(augmentation.augment(images, using: &generator) == normalised, "augment standardizes too")
    }

    @Test func deterministicPerSeed() {
        var augmentation = ImageAugmentation()
        augmentation.rotationRange = 15
        augmentation.widthShiftRange = 0.1
        augmentation.heightShiftRange = 2
        augmentation.horizontalFlip = true
        augmentation.verticalFlip = true
        let images = Self.distinct(count: 8, channels: 1, size: 10)
        var first = SplitMix64(seed: 42), second = SplitMix64(seed: 42), other = SplitMix64(seed: 43)
        let a = augmentation.augment(images, using: &first)
        #expect(a == augmentation.augment(images, using: &second))
        #expect(Self.sameState(first, second))
        #expect(a != augmentation.augment(images, using: &other))
        #expect(a != images)
        // Each image draws 5 numbers: θ, row shift, column shift, two flips.
        var counted = SplitMix64(seed: 42)
        for _ in 0..<(8 * 5) { _ = counted.next() }
        #expect(Self.sameState(counted, first))
        // The next batch continues the sequence rather than repeating it.
        #expect(augmentation.augment(images, using: &first) != a)
    }

    @Test func drawsFollowKerasRanges() {
        var augmentation = ImageAugmentation()
        augmentation.rotationRange = 20
        augmentation.widthShiftRange = 0.25
        augmentation.heightShiftRange = 3
        var generator = SplitMix64(seed: 9)
        var sawNegative = false
        for _ in 0..<200 {
            let transform = augmentation.randomTransform(height: 28, width: 20, using: &generator)
            #expect(abs(transform.rotationDegrees) <= 20)
            #expect(abs(transform.columnShift) <= 0.25 * 20, "fractions below 1 scale with the width")
            #expect(abs(transform.rowShift) <= 3, "ranges of 1 or more are pixels")
            sawNegative = sawNegative || transform.rotationDegrees < 0
        }
        #expect(sawNegative)
    }

    @Test func codableRoundTripAndPartialDecoding() throws {
        var augmentation = ImageAugmentation()
        augmentation.featurewiseCenter = true
        augmentation.rotationRange = 10
        augmentation.verticalFlip = true
        augmentation.fit(Self.distinct())
        let data = try JSONEncoder().encode(augmentation)
        #expect(try JSONDecoder().decode(ImageAugmentation.self, from: data) == augmentation)
        let partial = try JSONDecoder().decode(ImageAugmentation.self, from: Data(#"{"horizontalFlip": true}"#.utf8))
        var expected = ImageAugmentation()
        expected.horizontalFlip = true
        #expect(partial == expected)
    }

    @Test func validation() {
        var augmentation = ImageAugmentation()
        augmentation.rotationRange = -5
        expectDataError(mentioning: "rotation range", "-5") { try augmentation.validate() }
        augmentation.rotationRange = 5
        augmentation.widthShiftRange = .infinity
        expectDataError(mentioning: "width shift range") { try augmentation.validate() }
    }
}
