//! Algebraic properties of the group math, checked on random inputs.

use proptest::prelude::*;
use remul_group::random::rng_from_seed;
use remul_group::{Channel, Group, Layout, Quaternion, Rotation, Se3, Translation};

fn max_abs_diff(a: &[[f32; 3]; 3], b: &[[f32; 3]; 3]) -> f32 {
    (0..3)
        .flat_map(|i| (0..3).map(move |j| (a[i][j] - b[i][j]).abs()))
        .fold(0.0, f32::max)
}

fn group() -> impl Strategy<Value = Group> {
    prop_oneof![
        Just(Group::So3),
        prop::array::uniform3(-1.0f32..1.0).prop_filter_map("zero axis", |a| Group::so2(a).ok()),
        (0.0f32..180.0, 0.0f32..180.0).prop_map(|(a, b)| {
            Group::angle_range_degrees(a.min(b), a.max(b)).expect("ordered range")
        }),
    ]
}

fn rotation() -> impl Strategy<Value = Rotation> {
    (group(), any::<u64>()).prop_map(|(g, seed)| g.sample(&mut rng_from_seed(seed)))
}

proptest! {
    #[test]
    fn sampled_rotations_are_orthonormal_with_unit_determinant(r in rotation()) {
        let rrt = r.compose(r.inverse());
        prop_assert!(max_abs_diff(rrt.matrix(), Rotation::IDENTITY.matrix()) < 1e-5);
        prop_assert!((r.determinant() - 1.0).abs() < 1e-5);
    }

    #[test]
    fn quaternion_matrix_round_trip(r in rotation()) {
        let q = r.to_quaternion();
        prop_assert!((q.norm() - 1.0).abs() < 1e-5);
        let back = Rotation::from_quaternion(q);
        prop_assert!(max_abs_diff(back.matrix(), r.matrix()) < 2e-5);
        // And from the quaternion side: q and its round trip are the same
        // rotation (q and -q both are, so compare |<q, q'>| with 1).
        let q2 = back.to_quaternion();
        let dot = q.w * q2.w + q.x * q2.x + q.y * q2.y + q.z * q2.z;
        prop_assert!((dot.abs() - 1.0).abs() < 1e-5);
    }

    #[test]
    fn composition_matches_the_matrix_product(a in rotation(), b in rotation(), v in prop::array::uniform3(-10.0f32..10.0)) {
        let (ma, mb) = (a.matrix(), b.matrix());
        let mut product = [[0.0f32; 3]; 3];
        for i in 0..3 {
            for j in 0..3 {
                product[i][j] = (0..3).map(|k| ma[i][k] * mb[k][j]).sum();
            }
        }
        prop_assert!(max_abs_diff((a * b).matrix(), &product) < 1e-5);
        // The quaternion product is the same rotation as the matrix product.
        let via_q = Rotation::from_quaternion(a.to_quaternion() * b.to_quaternion());
        prop_assert!(max_abs_diff(via_q.matrix(), &product) < 2e-5);
        // And composition means "b first, then a".
        let (lhs, rhs) = ((a * b).apply(v), a.apply(b.apply(v)));
        for k in 0..3 {
            prop_assert!((lhs[k] - rhs[k]).abs() < 1e-4);
        }
    }

    #[test]
    fn axis_angle_round_trip(axis in prop::array::uniform3(-1.0f32..1.0), angle in 0.01f32..3.1) {
        prop_assume!(remul_group::vector::norm(axis) > 1e-2);
        let r = Rotation::from_axis_angle(axis, angle).unwrap();
        let (axis2, angle2) = r.to_axis_angle();
        prop_assert!((angle2 - angle).abs() < 1e-3);
        prop_assert!((r.angle() - angle).abs() < 2e-3);
        let unit = remul_group::vector::normalized(axis).unwrap();
        for k in 0..3 {
            prop_assert!((axis2[k] - unit[k]).abs() < 1e-3);
        }
        let q = Quaternion::from_axis_angle(axis, angle).unwrap();
        prop_assert!((q.angle() - angle).abs() < 1e-3);
    }

    #[test]
    fn action_then_inverse_is_identity(
        r in rotation(),
        t in prop::array::uniform3(-50.0f32..50.0),
        entities in 1usize..6,
        kinds in prop::collection::vec(prop_oneof![Just(Channel::Scalar), Just(Channel::Vector), Just(Channel::Position)], 1..5),
        seed in any::<u64>(),
    ) {
        let layout = Layout::new(entities, &kinds).unwrap();
        let mut rng = rng_from_seed(seed);
        let original: Vec<f32> = (0..layout.len()).map(|_| remul_group::random::uniform_in(&mut rng, -20.0, 20.0)).collect();
        let g = Se3 { rotation: r, translation: Translation(t) };
        let mut x = original.clone();
        layout.apply(&g, &mut x).unwrap();
        layout.apply(&g.inverse(), &mut x).unwrap();
        for (a, b) in x.iter().zip(&original) {
            prop_assert!((a - b).abs() < 1e-3, "{a} vs {b}");
        }
        // Composition of actions is the action of the composition.
        let mut y = original.clone();
        layout.apply(&g, &mut y).unwrap();
        layout.apply(&g, &mut y).unwrap();
        let mut z = original.clone();
        layout.apply(&g.compose(&g), &mut z).unwrap();
        for (a, b) in y.iter().zip(&z) {
            prop_assert!((a - b).abs() < 1e-3);
        }
    }
}

#[test]
fn scalars_stay_vectors_rotate_positions_also_translate() {
    let layout = Layout::new(1, &[Channel::Scalar, Channel::Vector, Channel::Position]).unwrap();
    let quarter = Rotation::from_axis_angle([0.0, 0.0, 1.0], core::f32::consts::FRAC_PI_2).unwrap();
    let g = Se3 {
        rotation: quarter,
        translation: Translation([10.0, 0.0, 0.0]),
    };
    let mut x = [3.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0];
    layout.apply(&g, &mut x).unwrap();
    let expected = [3.0, 0.0, 1.0, 0.0, 10.0, 1.0, 0.0];
    for (a, b) in x.iter().zip(expected) {
        assert!((a - b).abs() < 1e-6, "{x:?}");
    }
}

#[test]
fn layout_errors_are_values_not_panics() {
    use remul_group::Error;
    assert_eq!(Layout::new(0, &[Channel::Scalar]), Err(Error::NoEntities));
    assert_eq!(Layout::new(3, &[]), Err(Error::NoChannels));
    assert!(matches!(
        Layout::new(1, &[Channel::Scalar; 9]),
        Err(Error::TooManyChannels { .. })
    ));
    let layout = Layout::new(2, &[Channel::Position]).unwrap();
    let mut short = [0.0; 5];
    assert_eq!(
        layout.apply(&Se3::IDENTITY, &mut short),
        Err(Error::LengthMismatch {
            expected: 6,
            got: 5
        })
    );
    assert_eq!(
        Rotation::from_axis_angle([0.0; 3], 1.0),
        Err(Error::InvalidAxis)
    );
    assert_eq!(
        Rotation::from_matrix([[2.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]),
        Err(Error::NotARotation)
    );
    // A reflection is orthonormal but not a rotation.
    assert_eq!(
        Rotation::from_matrix([[-1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]),
        Err(Error::NotARotation)
    );
    assert_eq!(
        Group::angle_range_degrees(20.0, 10.0),
        Err(Error::InvalidAngleRange)
    );
    assert_eq!(
        Group::angle_range_degrees(0.0, 200.0),
        Err(Error::InvalidAngleRange)
    );
    assert_eq!(
        Group::angle_range_degrees(f32::NAN, 10.0),
        Err(Error::InvalidAngleRange)
    );
}

#[test]
fn centroid_moves_with_the_data() {
    let layout = Layout::new(2, &[Channel::Position, Channel::Vector]).unwrap();
    let mut x = [1.0, 2.0, 3.0, 9.0, 9.0, 9.0, 3.0, 4.0, 5.0, 9.0, 9.0, 9.0];
    assert_eq!(layout.centroid(&x).unwrap(), Some([2.0, 3.0, 4.0]));
    layout.translate([1.0, -1.0, 0.5], &mut x).unwrap();
    assert_eq!(layout.centroid(&x).unwrap(), Some([3.0, 2.0, 4.5]));
    assert_eq!(x[3..6], [9.0, 9.0, 9.0]);
    let scalars = Layout::new(2, &[Channel::Scalar]).unwrap();
    assert_eq!(scalars.centroid(&[1.0, 2.0]).unwrap(), None);
}

#[test]
fn layout_serde_rejects_invalid_values() {
    // A layout with zero entities must not come back from the wire.
    let json_like: (u32, Vec<Channel>) = (0, vec![Channel::Position]);
    let bytes = postcard_like(&json_like);
    assert!(bytes.is_err());
}

/// Round-trips through serde's own value-free path: serialise the fields
/// with the derived impl of a mirror struct, deserialise as `Layout`.
fn postcard_like(fields: &(u32, Vec<Channel>)) -> Result<Layout, String> {
    #[derive(serde::Serialize)]
    struct Mirror<'a> {
        entities: u32,
        channels: &'a [Channel],
    }
    let text = serde_json::to_string(&Mirror {
        entities: fields.0,
        channels: &fields.1,
    })
    .map_err(|e| e.to_string())?;
    serde_json::from_str::<Layout>(&text).map_err(|e| e.to_string())
}

proptest! {
    /// The f32 compensated centroid is within one ulp of the exact mean
    /// (computed in f64, where these sums are exact), even where plain f32
    /// summation cancels: large positions far from their mean.
    #[test]
    fn centroid_is_within_one_ulp_of_the_exact_mean(
        offset in -1000.0f32..1000.0,
        points in prop::collection::vec(prop::array::uniform3(-50.0f32..50.0), 1..64),
    ) {
        let layout = Layout::new(points.len(), &[Channel::Position]).unwrap();
        let x: Vec<f32> = points.iter().flatten().map(|&v| v + offset).collect();
        let centroid = layout.centroid(&x).unwrap().unwrap();
        for (k, &mean) in centroid.iter().enumerate() {
            let exact = x.iter().skip(k).step_by(3).map(|&v| f64::from(v)).sum::<f64>()
                / points.len() as f64;
            let ulp = f64::from((exact as f32).abs().max(f32::MIN_POSITIVE)) * f64::from(f32::EPSILON);
            prop_assert!(
                (f64::from(mean) - exact).abs() <= ulp,
                "axis {k}: {mean} vs exact {exact}"
            );
        }
    }
}
