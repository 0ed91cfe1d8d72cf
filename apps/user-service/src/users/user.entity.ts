import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** Schema owned by the CreateUsers migration; TypeORM only maps it (never `synchronize`). */
@Entity('users')
export class User {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('text')
  email!: string;

  @Column('text')
  name!: string;

  @Column('text')
  locale!: string;

  /** The user's data key, wrapped under the key-encryption key; null for a user from before crypto-shredding. */
  @Column('text', { name: 'wrapped_key', nullable: true })
  wrappedKey!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
